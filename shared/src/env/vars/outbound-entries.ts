import { Invalid, invalid, isDomain, isEmail, parseHostPort, q, words } from '../checks.ts';
import { type SmtpTlsLevel, tlsLevels } from './relay-tls.ts';

// One SMTP_RELAY_SENDER_HOSTAUTH entry: mail from `sender` (an address or @domain) leaves through `relayhost`,
// authenticated as user:password when given, with TLS level `tls`.
export interface SenderRelay {
  sender: string;
  relayhost: string;
  user?: string;
  password?: string;
  tls: SmtpTlsLevel;
}

// One SMTP_TLS_POLICY entry: postfix smtp_tls_policy_maps `destination level [name=value …]`.
export interface TlsPolicyEntry {
  destination: string;
  level: SmtpTlsLevel;
  attrs: string[];
}

// Entries are one a line (a secret file); a value without a line break may separate them with commas instead.
export const entriesOf = (raw: string): string[] =>
  (raw.includes('\n') ? raw.split('\n') : raw.split(',')).map((e) => e.trim()).filter((e) => e !== '' && !e.startsWith('#'));

const isLevel = (w: string | undefined): w is SmtpTlsLevel => (tlsLevels as readonly string[]).includes(w ?? '');

// A postfix lookup key for a sender: @domain or a whole address (no white space, nothing postfix would split).
const isSenderKey = (s: string): boolean => (s.startsWith('@') ? isDomain(s.slice(1)) : isEmail(s));

// `sender host:port [user:password] [tls-level]`; the level defaults to encrypt with credentials (a password never
// crosses the network in clear) and to may without. Messages never quote a credential.
export function parseSenderRelay(entry: string, n: number): SenderRelay | Invalid {
  const [sender = '', host = '', ...rest] = words(entry);
  const at = `entry ${n}`;
  if (!isSenderKey(sender.toLowerCase())) return invalid(`${at}: ${q(sender)} is not a sender address or @domain`);
  if (!parseHostPort(host)) return invalid(`${at}: ${q(host)} is not "host:port" or "[host]:port"`);
  const level = isLevel(rest[rest.length - 1]) ? (rest.pop() as SmtpTlsLevel) : undefined;
  if (rest.length > 1) return invalid(`${at}: expected "sender host:port [user:password] [tls-level]"`);
  const cred = rest[0];
  const relay: SenderRelay = { sender: sender.toLowerCase(), relayhost: host, tls: level ?? (cred ? 'encrypt' : 'may') };
  if (cred === undefined) return relay;
  const i = cred.indexOf(':');
  if (i <= 0 || i === cred.length - 1) return invalid(`${at}: credentials must be "user:password" after the host`);
  return { ...relay, user: cred.slice(0, i), password: cred.slice(i + 1) };
}

// The relays as a whole: one entry per sender, and one TLS level per relay host (the policy table is keyed by it).
export function parseSenderRelays(raw: string): SenderRelay[] | Invalid {
  const out: SenderRelay[] = [];
  for (const [i, entry] of entriesOf(raw).entries()) {
    const r = parseSenderRelay(entry, i + 1);
    if (r instanceof Invalid) return r;
    if (out.some((o) => o.sender === r.sender)) return invalid(`entry ${i + 1}: ${q(r.sender)} is listed twice`);
    const other = out.find((o) => o.relayhost === r.relayhost && o.tls !== r.tls);
    if (other) return invalid(`entry ${i + 1}: ${r.relayhost} is given two TLS levels (${other.tls}, ${r.tls})`);
    out.push(r);
  }
  return out.length ? out : invalid('no entry given (expected e.g. "@example.com [smtp.example.net]:587 user:password")');
}

const DESTINATION = /^\.?[A-Za-z0-9._-]+$/;
const ATTR = /^[a-z_]+=\S+$/;

// `destination level [name=value …]`, as postfix's policy table reads it (a domain, .domain for its subdomains,
// or [host]:port as a nexthop is written).
export function parseTlsPolicy(raw: string): TlsPolicyEntry[] | Invalid {
  const out: TlsPolicyEntry[] = [];
  for (const [i, entry] of entriesOf(raw).entries()) {
    const [destination = '', level, ...attrs] = words(entry);
    const at = `entry ${i + 1}`;
    if (!DESTINATION.test(destination) && !parseHostPort(destination)) return invalid(`${at}: ${q(destination)} is not a destination`);
    if (!isLevel(level)) return invalid(`${at}: ${q(level ?? '')} is not one of ${tlsLevels.join(', ')}`);
    const bad = attrs.find((a) => !ATTR.test(a));
    if (bad) return invalid(`${at}: ${q(bad)} is not name=value`);
    if (out.some((o) => o.destination === destination)) return invalid(`${at}: ${q(destination)} is listed twice`);
    out.push({ destination, level, attrs });
  }
  return out.length ? out : invalid('no entry given (expected e.g. "example.org encrypt")');
}
