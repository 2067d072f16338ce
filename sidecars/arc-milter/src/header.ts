import type { ArcResult } from './arc/verify.ts';

// Our Authentication-Results for the chain (RFC 8617 10): arc=pass|fail|none, the sets' sealers in a comment,
// header.oldest-pass when an older message signature no longer verifies (0, every one verifies, is left out), the
// client address as smtp.remote-ip. arc.chain names the sealer whose word overrides a DMARC failure: OpenDMARC
// (DomainWhitelist = ARC_TRUSTED_SEALERS) then accepts the message instead of refusing it, and only when every
// domain there is listed. Sealers come from the message: only domain characters are written.
const DOMAIN = /^[a-z0-9_]([a-z0-9_.-]{0,252}[a-z0-9_])?$/;
const IP = /^[0-9A-Fa-f:.]{2,45}$/;
const safe = (d: string): string => (DOMAIN.test(d) ? d : 'invalid');

export function arcResultsValue(
  authservId: string,
  r: ArcResult,
  o: { remoteIp?: string | undefined; chain?: string | undefined },
): string {
  const ip = o.remoteIp && IP.test(o.remoteIp) ? ` smtp.remote-ip=${o.remoteIp}` : '';
  if (r.result === 'none') return `${authservId}; arc=none${ip}`;
  if (r.result === 'fail') return `${authservId}; arc=fail (${r.reason})${ip}`;
  const sets = r.sets.map((s) => `as.${s.i}.${safe(s.sealer)}=pass`).join(', ');
  const chain = o.chain && DOMAIN.test(o.chain) ? ` arc.chain=${o.chain}` : '';
  const oldest = r.oldestPass > 0 ? ` header.oldest-pass=${r.oldestPass}` : '';
  return `${authservId}; arc=pass (${sets})${oldest}${ip}${chain}`;
}
