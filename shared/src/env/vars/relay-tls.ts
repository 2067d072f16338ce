import { check, integer, invalid, oneOf, parseHostPort, q, text, words, yesNo } from '../checks.ts';
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

const tlsLevels = ['none', 'may', 'encrypt', 'dane', 'dane-only', 'fingerprint', 'verify', 'secure'] as const;
export type SmtpTlsLevel = (typeof tlsLevels)[number];
export const ENCRYPTING_LEVELS: readonly SmtpTlsLevel[] = ['encrypt', 'dane-only', 'fingerprint', 'verify', 'secure'];

const fileList = check((raw) => {
  const list = words(raw.replace(/,/g, ' '));
  return list.length ? list : invalid(`${q(raw)} is not a list of files`);
});

const tlsFile = (what: string, example: string) =>
  defineVar({
    schema: text,
    topic: 'tls',
    variants: ALL,
    description: `${what} for incoming TLS (PEM, unencrypted key).`,
    format: 'path',
    example,
    postfixParam: true,
  });

export const relayTlsVars = {
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
    description: 'TLS policy of the postfix SMTP client (outgoing mail); encrypt refuses to send without TLS.',
    format: tlsLevels.join(' | '),
    example: 'encrypt',
    default: 'none',
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
  SMTPD_TLS_CERT_FILE: tlsFile('RSA certificate', '/etc/ssl/mx.crt'),
  SMTPD_TLS_KEY_FILE: tlsFile('RSA private key', '/etc/ssl/mx.key'),
  SMTPD_TLS_DCERT_FILE: tlsFile('DSA certificate', '/etc/ssl/mx-dsa.crt'),
  SMTPD_TLS_DKEY_FILE: tlsFile('DSA private key', '/etc/ssl/mx-dsa.key'),
  SMTPD_TLS_ECCERT_FILE: tlsFile('ECDSA certificate', '/etc/ssl/mx-ec.crt'),
  SMTPD_TLS_ECKEY_FILE: tlsFile('ECDSA private key', '/etc/ssl/mx-ec.key'),
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
