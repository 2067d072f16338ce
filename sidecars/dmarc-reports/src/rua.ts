import { isEmail } from '@mta/shared';
import { orgDomain, type SuffixList } from './psl.ts';

// One report destination of a DMARC record's rua= (RFC 7489 6.2): only mailto: URIs are used; "!<size>[k|m|g|t]"
// is the largest report the destination takes (applied to the gzipped report).
export interface Destination {
  address: string;
  maxBytes?: number;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
// More would only multiply what one record can make this server send.
export const MAX_DESTINATIONS = 2;

export function parseRua(uris: readonly string[]): Destination[] {
  const out: Destination[] = [];
  for (const uri of uris) {
    const m = /^mailto:([^!]+)(?:!(\d{1,12})([kmgt]?))?$/i.exec(uri.trim());
    if (!m?.[1]) continue;
    const address = decodeURIComponent(m[1]).trim();
    if (!isEmail(address) || out.some((d) => d.address.toLowerCase() === address.toLowerCase())) continue;
    const unit = UNITS[(m[3] ?? '').toLowerCase()] ?? 1;
    out.push(m[2] ? { address, maxBytes: Number(m[2]) * unit } : { address });
    if (out.length === MAX_DESTINATIONS) break;
  }
  return out;
}

export const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

// RFC 7489 7.1: a destination outside the policy domain's organizational domain must agree to take its reports,
// by publishing "v=DMARC1" at <policy-domain>._report._dmarc.<destination-domain>. txt answers a name's TXT records
// ([] when there are none; it throws on a DNS failure, and the destination is tried again on the next pass).
export async function verifiedDestination(
  d: Destination,
  policyDomain: string,
  psl: SuffixList,
  txt: (name: string) => Promise<string[]>,
): Promise<boolean> {
  const target = domainOf(d.address);
  if (orgDomain(psl, target) === orgDomain(psl, policyDomain)) return true;
  const records = await txt(`${policyDomain}._report._dmarc.${target}`);
  return records.some((r) => /^v=DMARC1\s*(;|$)/i.test(r.trim()));
}
