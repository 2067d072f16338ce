import { check, integer, invalid, oneOf, parseHostPort, q, text, words, yesNo } from '../checks.ts';
import { requiredWhen } from '../rule.ts';
import { ALL, defineVar } from '../spec.ts';

// Parsed SMTP_RELAY_HOSTAUTH: relayhost plus optional SASL credentials for it.
export interface RelayHostAuth {
  relayhost: string;
  user?: string;
  password?: string;
}

const relayHostAuth = check((raw) => {
  const [host, cred, ...rest] = words(raw);
  if (!host || rest.length || !parseHostPort(host)) return invalid('expected "host:port" or "host:port user:password"');
  if (cred === undefined) return { relayhost: host };
  const i = cred.indexOf(':');
  if (i <= 0 || i === cred.length - 1) return invalid('credentials must be "user:password" after the host');
  return { relayhost: host, user: cred.slice(0, i), password: cred.slice(i + 1) };
});

export const tlsLevels = ['none', 'may', 'encrypt', 'dane', 'dane-only', 'fingerprint', 'verify', 'secure'] as const;
export type SmtpTlsLevel = (typeof tlsLevels)[number];
const ENCRYPTING_LEVELS: readonly SmtpTlsLevel[] = ['encrypt', 'dane-only', 'fingerprint', 'verify', 'secure'];

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;
const IPV6 = /^\[([0-9a-f:.]+)\](?:\/(\d{1,3}))?$|^([0-9a-f:.]*:[0-9a-f:.]*)\/(\d{1,3})$/i;

// One trusted network as postfix and amavis both read it: a.b.c.d[/n], [v6][/n] or v6/n. A network containing
// every address would make this host an open relay, so it is refused.
function network(n: string): string | undefined {
  const v4 = IPV4.exec(n);
  if (v4) {
    if (v4.slice(1, 5).some((o) => Number(o) > 255) || (v4[5] !== undefined && Number(v4[5]) > 32)) return `${q(n)} is not an IPv4 network`;
    return v4[5] !== undefined && Number(v4[5]) === 0 ? `${q(n)} trusts every IPv4 client (an open relay)` : undefined;
  }
  const v6 = IPV6.exec(n);
  if (!v6) return `${q(n)} is not a network (e.g. 172.18.0.0/16 or [fd00::]/64)`;
  const len = v6[2] ?? v6[4];
  if (len !== undefined && Number(len) > 128) return `${q(n)} is not an IPv6 network`;
  return len !== undefined && Number(len) === 0 ? `${q(n)} trusts every IPv6 client (an open relay)` : undefined;
}

const networks = check((raw) => {
  const list = words(raw.replace(/,/g, ' '));
  const bad = list.map(network).filter((m): m is string => m !== undefined);
  if (bad.length) return invalid(bad.join('; '));
  return list.length ? list : invalid('no network given (expected e.g. "127.0.0.0/8 [::1]/128 172.18.0.0/16")');
});

const fileList = check((raw) => {
  const list = words(raw.replace(/,/g, ' '));
  return list.length ? list : invalid(`${q(raw)} is not a list of files`);
});

// A certificate or key file; each needs its partner (`pair`), or postfix would offer a half-configured algorithm.
const tlsFile = (self: string, pair: string, what: string, example: string) =>
  defineVar({
    schema: text,
    topic: 'tls',
    variants: ALL,
    description: `${what} for incoming TLS (PEM, unencrypted key).`,
    format: 'path',
    example,
    postfixParam: true,
    rules: [requiredWhen([pair], self)],
  });

export const relayTlsVars = {
  MYNETWORKS: defineVar({
    schema: networks,
    topic: 'relay',
    variants: ALL,
    description:
      'Clients trusted to relay without authentication (postfix `mynetworks`, amavis `@mynetworks`: their mail is originating and DKIM-signed). Only loopback by default: list a neighbour network (e.g. your compose network) to let its containers send through this host.',
    format: 'space or comma separated networks',
    example: '127.0.0.0/8 [::1]/128 172.18.0.0/16',
    default: '127.0.0.0/8 [::1]/128',
    postfixParam: true,
  }),
  SMTP_RELAY_HOSTAUTH: defineVar({
    schema: relayHostAuth,
    topic: 'relay',
    variants: ALL,
    description: 'Send all outgoing mail through this relay, authenticating with SASL when credentials are given.',
    format: 'host:port [user:password]',
    example: '[smtp.relay.example]:587 user:secret',
    secret: true,
  }),
  SMTP_TLS_SECURITY_LEVEL: defineVar({
    schema: oneOf(tlsLevels),
    topic: 'relay',
    variants: ALL,
    description:
      "TLS policy of the postfix SMTP client (outgoing mail): may (the default) encrypts whenever the peer offers STARTTLS, and becomes dane for direct delivery with SMTP_DANE (verified TLS where the destination publishes DNSSEC-signed TLSA records); encrypt refuses to send without TLS, verify and dane check the peer; none sends in clear (the seed's default).",
    format: tlsLevels.join(' | '),
    example: 'encrypt',
    default: 'may',
    postfixParam: true,
  }),
  SMTP_TLS_WRAPPERMODE: defineVar({
    schema: yesNo,
    topic: 'relay',
    variants: ALL,
    description: 'Use SMTPS (implicit TLS, port 465) towards the relay; needs SMTP_TLS_SECURITY_LEVEL=encrypt or stronger.',
    format: 'yes | no',
    example: 'yes',
    default: 'no',
    postfixParam: true,
    rules: [
      {
        text: 'yes requires SMTP_TLS_SECURITY_LEVEL=encrypt or stronger',
        check: (c) =>
          c.SMTP_TLS_WRAPPERMODE === true && !ENCRYPTING_LEVELS.includes(c.SMTP_TLS_SECURITY_LEVEL as SmtpTlsLevel)
            ? 'yes requires SMTP_TLS_SECURITY_LEVEL=encrypt or stronger'
            : undefined,
      },
    ],
  }),
  SMTPD_USE_TLS: defineVar({
    schema: yesNo,
    topic: 'tls',
    variants: ALL,
    description: 'Offer STARTTLS; without certificate files a self-signed certificate for HOSTNAME is generated and renewed.',
    format: 'yes | no',
    example: 'yes',
    default: 'no',
  }),
  SMTPD_TLS_CERT_FILE: tlsFile('SMTPD_TLS_CERT_FILE', 'SMTPD_TLS_KEY_FILE', 'RSA certificate', '/etc/ssl/mx.crt'),
  SMTPD_TLS_KEY_FILE: tlsFile('SMTPD_TLS_KEY_FILE', 'SMTPD_TLS_CERT_FILE', 'RSA private key', '/etc/ssl/mx.key'),
  SMTPD_TLS_DCERT_FILE: tlsFile('SMTPD_TLS_DCERT_FILE', 'SMTPD_TLS_DKEY_FILE', 'DSA certificate', '/etc/ssl/mx-dsa.crt'),
  SMTPD_TLS_DKEY_FILE: tlsFile('SMTPD_TLS_DKEY_FILE', 'SMTPD_TLS_DCERT_FILE', 'DSA private key', '/etc/ssl/mx-dsa.key'),
  SMTPD_TLS_ECCERT_FILE: tlsFile('SMTPD_TLS_ECCERT_FILE', 'SMTPD_TLS_ECKEY_FILE', 'ECDSA certificate', '/etc/ssl/mx-ec.crt'),
  SMTPD_TLS_ECKEY_FILE: tlsFile('SMTPD_TLS_ECKEY_FILE', 'SMTPD_TLS_ECCERT_FILE', 'ECDSA private key', '/etc/ssl/mx-ec.key'),
  SMTPD_TLS_CHAIN_FILES: defineVar({
    schema: fileList,
    topic: 'tls',
    variants: ALL,
    description: 'Key and certificate chain files for incoming TLS, key first (postfix smtpd_tls_chain_files).',
    format: 'comma or space separated paths',
    example: '/etc/ssl/mx.key,/etc/ssl/mx.crt',
    postfixParam: true,
  }),
  TLS_KEYBITS: defineVar({
    schema: integer(2048, 8192, 'a key size in bits'),
    topic: 'tls',
    variants: ALL,
    description: 'RSA key size of the generated self-signed certificate.',
    format: 'bits',
    example: '4096',
    default: '2048',
  }),
};
