import { type DnsServerAddress, dnsQuery, RCODE, RR } from '@mta/shared';

export type TxtAnswer = { kind: 'ok'; texts: string[]; ttl: number } | { kind: 'nodata' } | { kind: 'error'; reason: string };

// What the policy source asks DNS: the `_mta-sts` TXT strings, and whether DANE covers a domain's MX hosts.
export interface StsDns {
  txt: (name: string) => Promise<TxtAnswer>;
  // True when every answer on the way was DNSSEC-authenticated (AD) and at least one MX host has TLSA records.
  dane: (domain: string) => Promise<boolean>;
}

export function stsDns(server: DnsServerAddress, timeoutMs = 3000): StsDns {
  const ask = (name: string, type: number) => dnsQuery(server, name, type, { timeoutMs });
  return {
    txt: async (name) => {
      try {
        const r = await ask(name, RR.TXT);
        if (r.rcode === RCODE.NXDOMAIN) return { kind: 'nodata' };
        if (r.rcode !== RCODE.NOERROR) return { kind: 'error', reason: `rcode ${r.rcode}` };
        const txt = r.answers.filter((a) => a.type === RR.TXT && 'text' in a && a.name === name.toLowerCase());
        if (!txt.length) return { kind: 'nodata' };
        return { kind: 'ok', texts: txt.map((a) => ('text' in a ? a.text : '')), ttl: Math.min(...txt.map((a) => a.ttl)) };
      } catch (e) {
        return { kind: 'error', reason: (e as Error).message };
      }
    },
    dane: async (domain) => {
      try {
        const mx = await ask(domain, RR.MX);
        // An MX RRset that is not authenticated cannot lead to DANE (RFC 7672 §2.2.1): the usual TLS policy applies.
        if (!mx.ad || mx.rcode !== RCODE.NOERROR) return false;
        const hosts = mx.answers.flatMap((a) => (a.type === RR.MX && 'exchange' in a && a.exchange ? [a.exchange] : []));
        for (const host of hosts.slice(0, 10)) {
          const t = await ask(`_25._tcp.${host}`, RR.TLSA);
          if (t.ad && t.rcode === RCODE.NOERROR && t.answers.some((a) => a.type === RR.TLSA)) return true;
        }
        return false;
      } catch {
        // No answer: no evidence of DANE. MTA-STS applies; postfix's own DANE lookup still runs at the dane level.
        return false;
      }
    },
  };
}
