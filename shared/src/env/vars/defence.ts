import { formatCidr, parseCidr } from '../../ip.ts';
import { check, integer, invalid, isDomain, oneOf, q, words, yesNo } from '../checks.ts';
import { ALL, BASE_UP, defineVar, type ParsedView, type VarRule } from '../spec.ts';

// A list of addresses and networks (IPv4, IPv6, CIDR), separated by spaces or commas. `/0` (every address) is refused
// where trusting everyone defeats the list (a proxy list that lets any client claim any address).
const networkList = (allowEveryone: boolean) =>
  check((raw) => {
    const list = words(raw.replace(/,/g, ' '));
    const bad = list.filter((n) => !parseCidr(n));
    if (bad.length) return invalid(`${bad.map(q).join(', ')}: expected IP addresses or networks like 192.0.2.10 or 172.16.0.0/12`);
    const all = list.filter((n) => parseCidr(n)?.prefix === 0);
    if (all.length && !allowEveryone) return invalid(`${all.map(q).join(', ')} would trust every address; list the proxies themselves`);
    return list.map((n) => formatCidr(parseCidr(n)!));
  });

// Networks wider than a /24 (IPv4, IPv4-mapped IPv6 too) or a /64 (IPv6): more than one site's proxies, usually a
// whole docker or cloud subnet whose other members could then claim to be any client.
function widerThanProxies(list: readonly string[]): string[] {
  return list.filter((n) => {
    const c = parseCidr(n);
    if (!c) return false;
    if (c.family === 'ipv4') return c.prefix < 24;
    return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(c.address) ? c.prefix < 120 : c.prefix < 64;
  });
}

const proxiesNarrow: VarRule = {
  text: 'a network wider than /24 (IPv4) or /64 (IPv6) gives a warning',
  severity: 'warning',
  check: (config: ParsedView) => {
    const wide = widerThanProxies((config.TRUSTED_PROXIES ?? []) as string[]);
    return wide.length
      ? `${wide.join(', ')} wider than /24 (IPv4) or /64 (IPv6): every address in it may send a PROXY header naming any client (relay as a MYNETWORKS client, dodge bans); list the proxies themselves`
      : undefined;
  },
};

// Seconds, or a number with s, m, h or d: "600", "10m", "1h", "7d" -> seconds.
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/.exec(raw.trim().toLowerCase());
  return m ? Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as string] ?? 1) : undefined;
}

export const duration = (min: number, max: number) =>
  check((raw) => {
    const s = parseDuration(raw);
    if (s === undefined) return invalid(`${q(raw)} is not a duration (e.g. 600, 10m, 1h, 7d)`);
    if (s < min || s > max) return invalid(`${q(raw)} must be from ${min} s to ${max} s`);
    return s;
  });

// postscreen_dnsbl_sites: `domain[=filter][*weight]` entries; a negative weight makes a list an allowlist (DNSWL).
const dnsblSites = check((raw) => {
  const list = words(raw.replace(/,/g, ' '));
  const bad = list.filter((s) => {
    const m = /^([^=*\s]+)(=[0-9.;[\]]+)?(\*-?\d+)?$/.exec(s);
    return !m || !isDomain(m[1] as string);
  });
  if (bad.length) return invalid(`${bad.map(q).join(', ')}: expected list.example.org[=127.0.0.2][*weight]`);
  return list.join(' ');
});

const perUnit = (what: string) =>
  `${what} per client and per ANVIL_RATE_TIME_UNIT (default 60 s); 0 = no limit. Loopback and MYNETWORKS are exempt.`;

export const defenceVars = {
  TRUSTED_PROXIES: defineVar({
    schema: networkList(false),
    topic: 'defences',
    variants: ALL,
    description:
      'Proxies (Traefik, HAProxy) that pass the real client address with the PROXY protocol (v1 or v2). Set: ports 25, 465, 587 (postfix) and 143, 993, 110, 995 (dovecot) accept connections only from these addresses and only with a valid PROXY header naming a real client (never loopback, the unspecified address, v1 UNKNOWN or v2 LOCAL); loopback may still connect directly, without relay trust. Empty: no PROXY protocol.',
    format: 'IP addresses or networks, space or comma separated',
    example: '172.30.0.10',
    rules: [proxiesNarrow],
  }),
  POSTSCREEN: defineVar({
    schema: yesNo,
    topic: 'defences',
    variants: ALL,
    description:
      'postscreen answers port 25 first: clients that talk before the greeting, and clients the DNSBLs score high, never reach smtpd; verdicts are cached in /srv. Recommended for an internet-facing MX; off by default because every new client then waits POSTSCREEN_GREET_WAIT (6 s) once before the greeting, which the seed image never did.',
    format: 'yes | no',
    example: 'yes',
    default: 'no',
  }),
  POSTSCREEN_DNSBL_SITES: defineVar({
    schema: dnsblSites,
    topic: 'defences',
    variants: ALL,
    description:
      'DNS block and allow lists postscreen asks about each new client, with weights; negative weights (DNSWL) lower the score. Empty: no list is asked.',
    format: 'list[=reply][*weight] …',
    example: 'zen.spamhaus.org*3 bl.spamcop.net*2 list.dnswl.org=127.0.[0..255].[1..3]*-2',
    postfixParam: true,
  }),
  POSTSCREEN_DNSBL_THRESHOLD: defineVar({
    schema: integer(1, 1000),
    topic: 'defences',
    variants: ALL,
    description: 'A client whose summed DNSBL weight reaches this is refused (POSTSCREEN_DNSBL_ACTION).',
    format: 'integer',
    example: '3',
    default: '1',
    postfixParam: true,
  }),
  POSTSCREEN_DNSBL_ALLOWLIST_THRESHOLD: defineVar({
    schema: integer(-1000, 0),
    topic: 'defences',
    variants: ALL,
    description: 'A client whose summed weight is at or below this (negative) value skips the other postscreen tests; 0 = off.',
    format: 'integer ≤ 0',
    example: '-1',
    default: '0',
    postfixParam: true,
  }),
  POSTSCREEN_DNSBL_ACTION: defineVar({
    schema: oneOf(['ignore', 'enforce', 'drop'] as const),
    topic: 'defences',
    variants: ALL,
    description:
      'What happens to a client over the DNSBL threshold: enforce = 550 to every RCPT (the attempt is logged), drop = 521 at once.',
    format: 'ignore | enforce | drop',
    example: 'drop',
    default: 'enforce',
    postfixParam: true,
  }),
  POSTSCREEN_GREET_ACTION: defineVar({
    schema: oneOf(['ignore', 'enforce', 'drop'] as const),
    topic: 'defences',
    variants: ALL,
    description: 'What happens to a client that talks before the greeting (pregreet test): drop = 521 and disconnect.',
    format: 'ignore | enforce | drop',
    example: 'enforce',
    default: 'drop',
    postfixParam: true,
  }),
  SMTPD_CLIENT_CONNECTION_COUNT_LIMIT: defineVar({
    schema: integer(0, 100000),
    topic: 'defences',
    variants: ALL,
    description: 'Simultaneous connections per client; 0 = no limit. Loopback and MYNETWORKS are exempt.',
    format: 'count',
    example: '10',
    default: '20',
    postfixParam: true,
  }),
  SMTPD_CLIENT_CONNECTION_RATE_LIMIT: defineVar({
    schema: integer(0, 1000000),
    topic: 'defences',
    variants: ALL,
    description: perUnit('Connections'),
    format: 'count',
    example: '30',
    default: '60',
    postfixParam: true,
  }),
  SMTPD_CLIENT_MESSAGE_RATE_LIMIT: defineVar({
    schema: integer(0, 1000000),
    topic: 'defences',
    variants: ALL,
    description: perUnit('Messages'),
    format: 'count',
    example: '50',
    default: '100',
    postfixParam: true,
  }),
  SMTPD_CLIENT_RECIPIENT_RATE_LIMIT: defineVar({
    schema: integer(0, 1000000),
    topic: 'defences',
    variants: ALL,
    description: perUnit('Recipients'),
    format: 'count',
    example: '200',
    default: '500',
    postfixParam: true,
  }),
  SMTPD_CLIENT_AUTH_RATE_LIMIT: defineVar({
    schema: integer(0, 1000000),
    topic: 'defences',
    variants: BASE_UP,
    description: perUnit('AUTH commands (ports 465 and 587)'),
    format: 'count',
    example: '10',
    default: '20',
    postfixParam: true,
  }),
  SMTPD_AUTH_FAILURE_LIMIT: defineVar({
    schema: integer(1, 1000),
    topic: 'defences',
    variants: BASE_UP,
    description: 'Failed AUTH attempts (and other errors) one session on 465/587 may make before postfix disconnects it.',
    format: 'count',
    example: '5',
    default: '3',
  }),
  AUTH_FAILURE_DELAY: defineVar({
    schema: duration(0, 60),
    topic: 'defences',
    variants: BASE_UP,
    description:
      "Dovecot's answer to a failed login (IMAP, POP3 and SMTP AUTH) waits this long; its authentication penalty doubles the wait for each further failure from the same address, up to 15 s.",
    format: 'seconds',
    example: '5',
    default: '2',
  }),
  GUARD: defineVar({
    live: true,
    schema: yesNo,
    topic: 'defences',
    variants: ALL,
    description:
      'The guard sidecar bans client addresses that fail AUTH or are refused too often (postscreen and SMTP rejects), in postfix and dovecot, for GUARD_BAN_TIME. A banned SMTP client gets a temporary error (421), so mail from a server banned by mistake is delayed, never bounced. Never loopback, MYNETWORKS, TRUSTED_PROXIES or GUARD_IGNORE.',
    format: 'yes | no',
    example: 'no',
    default: 'yes',
  }),
  GUARD_AUTH_FAILURES: defineVar({
    live: true,
    schema: integer(1, 10000),
    topic: 'defences',
    variants: BASE_UP,
    description: 'Failed logins (SMTP AUTH, IMAP, POP3) from one address within GUARD_WINDOW that get it banned.',
    format: 'count',
    example: '10',
    default: '5',
  }),
  GUARD_REJECTS: defineVar({
    live: true,
    schema: integer(1, 10000),
    topic: 'defences',
    variants: ALL,
    description:
      'Refusals of one address within GUARD_WINDOW that get it banned: postscreen verdicts (DNSBL, protocol errors), 5xx SMTP rejects (relay denied, access denied, …) and anvil limits; a pregreet counts as GUARD_REJECTS on its own. Unknown recipients count only for a client none of whose recipients was accepted within GUARD_WINDOW: this many distinct ones ban it (address harvesting).',
    format: 'count',
    example: '20',
    default: '10',
  }),
  GUARD_WINDOW: defineVar({
    live: true,
    schema: duration(10, 7 * 86400),
    topic: 'defences',
    variants: ALL,
    description: 'How far back the guard counts failures and refusals of an address.',
    format: 'duration (600, 10m, 1h)',
    example: '1h',
    default: '10m',
  }),
  GUARD_BAN_TIME: defineVar({
    live: true,
    schema: duration(60, 365 * 86400),
    topic: 'defences',
    variants: ALL,
    description: 'How long a ban lasts; a ban survives restarts (kept in /srv/var/guard).',
    format: 'duration (3600, 1h, 7d)',
    example: '1d',
    default: '1h',
  }),
  GUARD_MAX_BANS_PER_MINUTE: defineVar({
    live: true,
    schema: integer(1, 100000),
    topic: 'defences',
    variants: ALL,
    description:
      "New bans at most within any minute, this node's own and those from the fleet together (operator bans with mta guard ban are not limited). Further ones are dropped, logged (guard.capped) and counted.",
    format: 'count',
    example: '100',
    default: '600',
  }),
  GUARD_MAX_BANS: defineVar({
    live: true,
    schema: integer(1, 10000000),
    topic: 'defences',
    variants: ALL,
    description:
      'Bans in force at most; a new ban beyond it is dropped, logged (guard.capped) and counted until older ones end. Each ban takes about 4 KB on /srv.',
    format: 'count',
    example: '100000',
    default: '1000000',
  }),
  GUARD_IGNORE: defineVar({
    live: true,
    schema: networkList(true),
    topic: 'defences',
    variants: ALL,
    description: 'Addresses and networks the guard never bans, besides loopback, MYNETWORKS and TRUSTED_PROXIES.',
    format: 'IP addresses or networks, space or comma separated',
    example: '198.51.100.0/24',
  }),
};
