import { isEmail } from '@mta/shared';

export type Destination = { kind: 'mailto'; address: string } | { kind: 'https'; url: string };

// More would only multiply what one record can make this server send.
export const MAX_DESTINATIONS = 3;

// RFC 8460 §3: of the TXT records at _smtp._tls.<domain>, those that begin with "v=TLSRPTv1;" count; unless exactly
// one does, the domain takes no reports. Its rua= lists mailto: and https: URIs (comma-separated). The record is a
// DNS answer of the recipient domain: only plain addresses and https URLs are taken.
export function parseTlsRptRecord(records: readonly string[]): Destination[] {
  const mine = records.filter((r) => /^v=TLSRPTv1\s*;/.test(r));
  if (mine.length !== 1) return [];
  const rua = (mine[0] as string)
    .split(';')
    .map((f) => f.trim())
    .find((f) => /^rua\s*=/i.test(f));
  if (!rua) return [];
  const out: Destination[] = [];
  for (const raw of rua.slice(rua.indexOf('=') + 1).split(',')) {
    const uri = raw.trim();
    let d: Destination | undefined;
    if (/^mailto:/i.test(uri)) {
      let address = '';
      try {
        address = decodeURIComponent(uri.slice(7)).trim();
      } catch {
        continue;
      }
      if (isEmail(address) && !/[\s<>,;"]/.test(address)) d = { kind: 'mailto', address };
    } else if (/^https:\/\//i.test(uri)) {
      const u = URL.canParse(uri) ? new URL(uri) : undefined;
      if (u && u.protocol === 'https:' && !u.username && !u.password && uri.length <= 512) d = { kind: 'https', url: u.href };
    }
    if (!d || out.some((x) => JSON.stringify(x) === JSON.stringify(d))) continue;
    out.push(d);
    if (out.length === MAX_DESTINATIONS) break;
  }
  return out;
}
