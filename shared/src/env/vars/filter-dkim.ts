import { check, decimal, integer, invalid, isDnsLabel, mapped, normalizePrivateKey, oneOf, q } from '../checks.ts';
import { defineVar, FULL } from '../spec.ts';

const destinies = ['D_PASS', 'D_BOUNCE', 'D_REJECT', 'D_DISCARD'] as const;
export type Destiny = (typeof destinies)[number];

const destiny = (what: string, dflt: Destiny) =>
  defineVar({
    schema: oneOf(destinies),
    topic: 'content filter',
    variants: FULL,
    description: `What amavis does with ${what} mail. D_REJECT refuses it in the SMTP session, which puts amavis before the queue on port 25.`,
    format: destinies.join(' | '),
    example: 'D_REJECT',
    default: dflt,
  });

const level = (description: string, dflt: string) =>
  defineVar({ schema: decimal, topic: 'content filter', variants: FULL, description, format: 'score', example: dflt, default: dflt });

// RAZOR_REGISTRATION: `user:pass`, `user:` or `:` (server assigns what is missing).
export interface RazorRegistration {
  user: string;
  password: string;
}
const razor = check((raw) => {
  const i = raw.indexOf(':');
  if (i < 0) return invalid('expected "user:password", "user:" or ":"');
  return { user: raw.slice(0, i), password: raw.slice(i + 1) };
});

// The seed wrote SA_DEBUG into Perl as it was: any positive number switched debugging on.
const saDebug = check((raw) => {
  const t = raw.trim().toLowerCase();
  if (t === '0' || t === '1') return Number(t);
  if (/^\d+$/.test(t)) return mapped(1, `${t} is taken as 1 (debug on)`);
  if (['yes', 'true', 'on'].includes(t)) return 1;
  if (['no', 'false', 'off'].includes(t)) return 0;
  return invalid(`${q(raw)} is not 0 or 1`);
});

const selector = check((raw) => (isDnsLabel(raw.trim()) ? raw.trim() : invalid(`${q(raw)} is not a DNS label (e.g. default)`)));

// Never echoes the key: the message only says what was expected.
const privateKey = check(
  (raw) => normalizePrivateKey(raw) ?? invalid('is not an RSA private key (PEM, PKCS#1 or PKCS#8; armour optional)'),
);

export const filterDkimVars = {
  FINAL_VIRUS_DESTINY: destiny('virus-infected', 'D_DISCARD'),
  FINAL_BANNED_DESTINY: destiny('banned-attachment', 'D_DISCARD'),
  FINAL_SPAM_DESTINY: destiny('spam', 'D_PASS'),
  FINAL_BAD_HEADER_DESTINY: destiny('bad-header', 'D_PASS'),
  SA_TAG_LEVEL_DEFLT: level('Score at or above which spam info headers are added.', '2.0'),
  SA_TAG2_LEVEL_DEFLT: level('Score at which "spam detected" headers are added.', '6.2'),
  SA_KILL_LEVEL_DEFLT: level('Score at which spam evasive actions (FINAL_SPAM_DESTINY) are taken.', '6.9'),
  SA_DEBUG: defineVar({
    schema: saDebug,
    topic: 'logging',
    variants: FULL,
    description: 'SpamAssassin debug logging (shown when SYSLOG_LEVEL=7).',
    format: '0 | 1',
    example: '1',
    default: '0',
  }),
  RAZOR_REGISTRATION: defineVar({
    schema: razor,
    topic: 'content filter',
    variants: FULL,
    description: 'Register a Razor identity so spam can be reported.',
    format: 'user:password | user: | :',
    example: 'postmaster@example.com:secret',
    secret: true,
  }),
  AMAVIS_MAX_SERVERS: defineVar({
    schema: integer(1, 64, 'an integer'),
    topic: 'content filter',
    variants: FULL,
    description: 'amavis child processes (and the postfix smtp-amavis maxproc); default 2 × CPU count + 1, at most 16.',
    format: 'count',
    example: '4',
  }),
  DKIM_KEYBITS: defineVar({
    live: true,
    schema: integer(1024, 8192, 'a key size in bits'),
    topic: 'dkim',
    variants: FULL,
    description: 'RSA key size of generated DKIM keys.',
    format: 'bits',
    example: '2048',
    default: '2048',
  }),
  DKIM_SELECTOR: defineVar({
    live: true,
    schema: selector,
    topic: 'dkim',
    variants: FULL,
    description: 'DKIM selector: the key is published at <selector>._domainkey.<domain>.',
    format: 'DNS label',
    example: 'default',
    default: 'default',
  }),
  DKIM_PRIVATEKEY: defineVar({
    live: true,
    schema: privateKey,
    topic: 'dkim',
    variants: FULL,
    description: 'Your own DKIM private key, used for every MAIL_DOMAIN; replaces an existing key file at seeding (kept as .bak).',
    format: 'RSA key, PEM armour optional',
    example: 'MIIEpAIBAAKCAQEA04up8hoqzS…',
    secret: true,
  }),
};
