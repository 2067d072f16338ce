import { normalizeIp } from '../ip.ts';
import { parseDmarc } from './dmarc.ts';
import type { MailLogEvent, OutboundTlsTrust, PostscreenTest, RejectClass, TlsPolicyDeferral } from './events.ts';
import type { LogLine } from './line.ts';

// Every pattern here is anchored on postfix's own wording, and the client address is captured where postfix writes
// it, before any text a client chose (HELO, addresses, command lines, which postfix prints only after it). Where
// client text comes first (a delivery line's addresses), the address is matched by its grammar, never a wildcard.

// Services whose traffic is internal: the hop to amavis and amavis's reinjection port, and the SRS pass (its
// transport and loopback smtpd: syslog names of sidecars/seed/src/postfix/srs.ts).
const INTERNAL = new Set(['amavis', 'reinject', 'srs', 'srs-reinject']);

const IP = '[0-9A-Fa-f:.]+';
// `name[addr]` (name: the verified hostname, or "unknown"; postfix allows letters, digits, '.', '-', '_'), with
// `:port` when smtpd_client_port_logging is on.
const CLIENT = `[\\w.-]+\\[(${IP})\\](?::\\d+)?`;
// postscreen writes `[addr]:port`.
const PS_CLIENT = `\\[(${IP})\\]:\\d+`;
// An address as postfix logs it (info_log_address_format=external): a quoted local part holds anything but an
// unescaped quote; outside quotes there is no space, comma, bracket or parenthesis.
const ADDR = String.raw`(?:"(?:[^"\\]|\\.)*"|[^"<>\s,()\\])*`;

const SASL_FAILED = new RegExp(`^warning: ${CLIENT}: SASL [\\w-]+ authentication failed(?::|$)`);
const REJECT = new RegExp(
  `^(?:NOQUEUE|[0-9A-Za-z]+): reject: ([A-Z]+(?:-[A-Z]+)*) from (?:[\\w.-]+)?\\[(${IP})\\](?::\\d+)?: ([245]\\d\\d) (.*)$`,
);
const LIMITS = [
  'Connection rate',
  'Connection concurrency',
  'Message delivery request rate',
  'Recipient address rate',
  'New TLS session rate',
  'AUTH command rate',
];
const RATE = new RegExp(`^warning: (${LIMITS.join('|')}) limit exceeded: \\d+ from ${CLIENT} for service [\\w.:[\\]/-]+$`);
const POSTSCREEN: [RegExp, PostscreenTest][] = [
  [new RegExp(`^PREGREET \\d+ after [\\d.]+ from ${PS_CLIENT}: `), 'pregreet'],
  [new RegExp(`^DNSBL rank (\\d+) for ${PS_CLIENT}$`), 'dnsbl'],
  [new RegExp(`^(?:DENYLISTED|BLACKLISTED) ${PS_CLIENT}$`), 'denylist'],
  [new RegExp(`^HANGUP after [\\d.]+ from ${PS_CLIENT} in tests `), 'hangup'],
  [
    new RegExp(`^(?:COMMAND PIPELINING|NON-SMTP COMMAND|BARE NEWLINE|COMMAND (?:TIME|COUNT|LENGTH) LIMIT) from ${PS_CLIENT} after `),
    'protocol',
  ],
];
const RECEIVED = new RegExp(`^([0-9A-Za-z]+): client=${CLIENT}(?:, |$)`);
const PICKUP = /^([0-9A-Za-z]+): uid=\d+ from=/;
const DISCONNECT = new RegExp(`^disconnect from ${CLIENT}((?: [a-z]+=\\d+(?:/\\d+)?)*)$`);
const DELIVERY = new RegExp(
  `^([0-9A-Za-z]+): to=<${ADDR}>, (?:orig_to=<${ADDR}>, )?relay=[^\\s,]+, (?:conn_use=\\d+, )?delay=[\\d.]+, (?:delays=[\\d./]+, )?dsn=\\d\\.\\d{1,3}\\.\\d{1,3}, status=(sent|bounced|deferred|expired)(?: \\(|$)`,
);

// The smtp client's own reasons for not delivering under a TLS policy, at the start of the text in parentheses (a
// remote server's words start with "host … said:", so they never match).
const TLS_POLICY: [RegExp, TlsPolicyDeferral][] = [
  [/^TLS is required, but was not offered by host /, 'not-offered'],
  [/^Server certificate not (?:verified|trusted)/, 'certificate'],
  // DANE: the TLSA records could not be looked up securely (bogus, SERVFAIL): no delivery without them.
  [/^TLSA lookup error for /, 'tlsa-error'],
  [/^TLS is required, but /, 'other'],
];

// The smtp client's warning when an MX name is outside the MTA-STS patterns (the name comes from DNS: only the
// wording around it is matched, anchored at the start).
const STS_MX = /^warning: MX name '[^']*' does not match STS MX pattern for '/;
// The smtp client's line for each TLS session, from its own wording at the start of the line.
const TLS_CONNECTION = /^(Anonymous|Untrusted|Trusted|Verified) TLS connection established to /;

const DNSBL = new RegExp(`^Service unavailable; (?:Client host|client) \\[${IP}\\] blocked using `);
// postfix's reasons, as they follow the bracketed address (`<x@y>: Relay access denied`) or start the text.
const PHRASES: [string, RejectClass][] = [
  ['Relay access denied', 'relay'],
  ['Recipient address rejected: ', 'recipient'],
  ['Sender address rejected: ', 'sender'],
  ['Client host rejected: ', 'client'],
  ['Helo command rejected: ', 'helo'],
  ['Data command rejected: ', 'protocol'],
  ['Improper use of SMTP command pipelining', 'protocol'],
  ['Protocol error', 'protocol'],
  ['Message size exceeds', 'size'],
  ['Error: too many', 'rate'],
  ['Error: too much', 'rate'],
  ['Etrn command rejected: ', 'policy'],
  ['Access denied', 'policy'],
];

// The reason class of a reject from its reply: `dsn` (5.1.1) and the text after it. The enhanced status code comes
// before any client text, so the classes the guard treats apart (unknown recipient, size) are exact. The others come
// from postfix's reason, which follows the bracketed address (`<x@y>: Relay access denied`): the address is client
// text and may itself hold `>: Relay access denied`, so a reason is taken only when exactly one of postfix's reasons
// follows a `>: ` in the whole reply; a client that adds another gets the generic class for its own reject.
function rejectClass(dsn: string | undefined, text: string): RejectClass {
  const detail = dsn?.slice(2);
  if (detail === '1.1') return 'unknown-recipient';
  if (detail === '3.4' || detail === '2.3') return 'size';
  if (DNSBL.test(text)) return 'dnsbl';
  if (!text.startsWith('<')) return PHRASES.find(([prefix]) => text.startsWith(prefix))?.[1] ?? 'other';
  const found = new Set<number>();
  let cls: RejectClass = 'other';
  for (const [prefix, c] of PHRASES)
    for (let i = text.indexOf(`>: ${prefix}`); i >= 0; i = text.indexOf(`>: ${prefix}`, i + 1)) {
      found.add(i);
      cls = c;
    }
  return found.size === 1 ? cls : 'other';
}

// The recipients a session offered and the ones accepted, from postfix's `disconnect from …` counters (`rcpt=2/5`,
// or `rcpt=5` when all were).
function rcptCounts(counters: string): { ok: number; total: number } {
  const m = / rcpt=(\d+)(?:\/(\d+))?/.exec(counters);
  if (!m) return { ok: 0, total: 0 };
  const ok = Number(m[1]);
  return { ok, total: m[2] === undefined ? ok : Number(m[2]) };
}

// One postfix line -> an event, or undefined for lines nobody consumes (or whose address is not one).
export function parsePostfix(line: LogLine): MailLogEvent | undefined {
  const e = parse(line);
  if (!e || !('ip' in e) || e.ip === undefined) return e;
  const ip = normalizeIp(e.ip);
  return ip ? { ...e, ip } : undefined;
}

function parse(line: LogLine): MailLogEvent | undefined {
  const { program, service, text } = line;
  if (program === 'smtpd') {
    const sasl = SASL_FAILED.exec(text);
    if (sasl) return { kind: 'auth-failed', daemon: 'postfix', service, ip: sasl[1] as string, count: 1 };
    const rate = RATE.exec(text);
    if (rate) return { kind: 'rate-limit', service, ip: rate[2] as string, limit: (rate[1] as string).toLowerCase() };
    const rcv = RECEIVED.exec(text);
    if (rcv) return INTERNAL.has(service) ? undefined : { kind: 'received', service, queueId: rcv[1] as string, ip: rcv[2] as string };
    const bye = DISCONNECT.exec(text);
    if (bye) {
      if (INTERNAL.has(service)) return undefined;
      const { ok, total } = rcptCounts(bye[2] as string);
      return { kind: 'disconnect', service, ip: bye[1] as string, rcptAccepted: ok, rcptTotal: total };
    }
  }
  if (program === 'smtpd' || program === 'postscreen') {
    const rej = REJECT.exec(text);
    if (rej) {
      const reply = rej[4] as string;
      const dsn = /^([245]\.\d{1,3}\.\d{1,3}) /.exec(reply)?.[1];
      const rest = dsn ? reply.slice(dsn.length + 1) : reply;
      return {
        kind: 'reject',
        service,
        ip: rej[2] as string,
        stage: rej[1] as string,
        code: Number(rej[3]),
        reason: rejectClass(dsn, rest),
        key: rest,
      };
    }
  }
  if (program === 'postscreen') {
    for (const [re, test] of POSTSCREEN) {
      const m = re.exec(text);
      if (!m) continue;
      return test === 'dnsbl'
        ? { kind: 'postscreen', test, ip: m[2] as string, rank: Number(m[1]) }
        : { kind: 'postscreen', test, ip: m[1] as string };
    }
    return undefined;
  }
  if (program === 'cleanup') {
    const dmarc = parseDmarc(text);
    if (dmarc) return dmarc;
  }
  if (program === 'pickup') {
    const m = PICKUP.exec(text);
    return m ? { kind: 'received', service: 'pickup', queueId: m[1] as string } : undefined;
  }
  if (program === 'smtp' && STS_MX.test(text)) return { kind: 'sts-mx-refused' };
  const tls = program === 'smtp' && !INTERNAL.has(service) ? TLS_CONNECTION.exec(text) : null;
  if (tls) return { kind: 'tls-connection', trust: (tls[1] as string).toLowerCase() as OutboundTlsTrust };
  const d = DELIVERY.exec(text);
  if (d) {
    const status = d[2] as 'sent' | 'bounced' | 'deferred' | 'expired';
    const reason = status === 'deferred' ? text.slice(d[0].length) : '';
    const tlsPolicy = reason ? TLS_POLICY.find(([re]) => re.test(reason))?.[1] : undefined;
    return { kind: 'delivery', queueId: d[1] as string, status, internal: INTERNAL.has(service), ...(tlsPolicy ? { tlsPolicy } : {}) };
  }
  return undefined;
}
