import { setOption } from '../master-cf.ts';
import type { MasterEntry } from '../plan.ts';

// The public services the PROXY gate can front, and the loopback addresses they move to behind it.
const POSTFIX_GATED = ['smtp', 'submission', 'smtps'] as const;
export const DOVECOT_GATED = ['imap', 'imaps', 'pop3', 'pop3s'] as const;
export type PostfixGated = (typeof POSTFIX_GATED)[number];
export type DovecotGated = (typeof DOVECOT_GATED)[number];
export type GatedService = PostfixGated | DovecotGated;

export const PUBLIC_PORTS: Record<GatedService, string> = {
  smtp: ':25',
  submission: ':587',
  smtps: ':465',
  imap: ':143',
  imaps: ':993',
  pop3: ':110',
  pop3s: ':995',
};
export const INTERNAL_ADDRESSES: Record<GatedService, string> = {
  smtp: '127.0.0.1:10125',
  submission: '127.0.0.1:10587',
  smtps: '127.0.0.1:10465',
  imap: '127.0.0.1:10143',
  imaps: '127.0.0.1:10993',
  pop3: '127.0.0.1:10110',
  pop3s: '127.0.0.1:10995',
};

// Sources a PROXY header may never name: loopback and the unspecified address, in every spelling an address family
// allows (IPv4-mapped IPv6 too). Behind the gate, loopback is the gate itself, never a client.
export const NOT_A_CLIENT = ['127.0.0.0/8', '::1', '::ffff:127.0.0.0/104', '0.0.0.0/8', '::'] as const;

// The same networks as postfix writes them, excluded from mynetworks ahead of the operator's list (first match wins).
const bracket = (n: string): string => (n.includes(':') ? n.replace(/^([^/]+)(\/\d+)?$/, (_, a: string, p = '') => `[${a}]${p}`) : n);
const GATED_MYNETWORKS = (mynetworks: readonly string[]): string => [...NOT_A_CLIENT.map((n) => `!${bracket(n)}`), ...mynetworks].join(',');

const command = (e: MasterEntry): string | undefined => e.entry.split('\n')[0]?.trim().split(/\s+/)[7];

// Moves each public postfix service present to its loopback address with the PROXY protocol on (postscreen or smtpd
// reads the header haproxy sends), and removes the public entry so haproxy can bind the port. Second line of
// defence: these smtpd services, and the one postscreen hands clients to, never count loopback as mynetworks (the
// client they see there is the gate itself, or a header that claims loopback), so never relay for it.
export function moveBehindGate(
  entries: readonly MasterEntry[],
  internal: Record<PostfixGated, string>,
  mynetworks: readonly string[],
): MasterEntry[] {
  const trust = GATED_MYNETWORKS(mynetworks);
  const out: MasterEntry[] = [];
  for (const e of entries) {
    const name = e.service as PostfixGated;
    if (e.type === 'pass' && e.service === 'smtpd' && e.entry) {
      out.push({ ...e, entry: setOption(e.entry, 'mynetworks', trust) });
      continue;
    }
    if (e.type !== 'inet' || !(POSTFIX_GATED as readonly string[]).includes(name) || !e.entry) {
      out.push(e);
      continue;
    }
    // postscreen keeps loopback in its allowlist (the healthcheck would otherwise fail its pregreet test every time):
    // it only screens, and the smtpd it hands clients to decides relay.
    const screen = command(e) === 'postscreen';
    const param = screen ? 'postscreen_upstream_proxy_protocol' : 'smtpd_upstream_proxy_protocol';
    const proxied = setOption(e.entry.replace(/^\S+/, internal[name]), param, 'haproxy');
    const moved = screen ? proxied : setOption(proxied, 'mynetworks', trust);
    out.push({ service: e.service, type: 'inet', entry: '' }, { service: internal[name], type: 'inet', entry: moved });
  }
  return out;
}
