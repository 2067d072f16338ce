import { readFileSync } from 'node:fs';
import { type DnsServerAddress, dnsQuery, RCODE, RR, resolverOf } from '@mta/shared';
import type { TxtLookup } from './arc/keys.ts';

// The container's resolver (the first nameserver of /etc/resolv.conf, read once at start).
export function containerResolver(file = '/etc/resolv.conf'): DnsServerAddress {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {}
  return resolverOf(text) ?? { host: '127.0.0.1', port: 53 };
}

// ARC key records: TXT strings of the name; a failure (timeout, SERVFAIL) throws, and the chain fails.
export const txtLookup =
  (server: DnsServerAddress, timeoutMs = 5000): TxtLookup =>
  async (name) => {
    const r = await dnsQuery(server, name, RR.TXT, { timeoutMs });
    if (r.rcode === RCODE.NXDOMAIN) return 'nxdomain';
    if (r.rcode !== RCODE.NOERROR) throw new Error(`rcode ${r.rcode}`);
    return r.answers.flatMap((a) => (a.type === RR.TXT && 'text' in a && a.name === name.toLowerCase() ? [a.text] : []));
  };
