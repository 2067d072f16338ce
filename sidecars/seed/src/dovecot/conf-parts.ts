// What both dovecot.conf variants (conf-23.ts, conf-24.ts) share: file places, input, the service blocks.
import { join } from 'node:path';
import type { GuardDenyLookup, MtaPaths } from '@mta/shared';
import type { SaslMethod } from './sasl.ts';

// Where the passdb sources live next to dovecot.conf.
export const dovecotFiles = (paths: MtaPaths) => ({
  conf: join(paths.dovecotConf, 'dovecot.conf'),
  confD: join(paths.dovecotConf, 'conf.d'),
  env: join(paths.dovecotConf, 'conf.d', '90-mta-env.conf'),
  passwd: join(paths.dovecotConf, 'passwd'),
  // 2.3: the LDAP and SQL passdbs read these (args); 2.4 has no such files.
  ldap: join(paths.dovecotConf, 'dovecot-ldap.conf.ext'),
  sql: join(paths.dovecotConf, 'dovecot-sql.conf.ext'),
  // 2.4: every passdb, inline (LDAP bind and SQL passwords among them), included by dovecot.conf.
  passdbs: join(paths.dovecotConf, 'mta-passdbs.conf.ext'),
  baseDir: join(paths.root, 'run/dovecot'),
  stateDir: join(paths.root, 'var/lib/dovecot'),
});

export interface DovecotConfInput {
  paths: MtaPaths;
  methods: readonly SaslMethod[];
  imapHost?: { host: string; port?: number };
  // Dovecot takes final delivery (VIRTUAL_TRANSPORT=lmtp:unix:private/transport) and serves it over IMAP/POP3.
  delivery: boolean;
  // The guard's ban list (guardDenyLookup); absent in tests of dovecot alone.
  deny?: GuardDenyLookup;
  // The primary MAIL_DOMAIN: a login without a domain (an LDAP uid, DOVECOT_AUTH_USERNAME_FORMAT=%Ln) is a user of it.
  primaryDomain?: string;
}

// ECDHE with AES-GCM or ChaCha20 (TLS 1.2); TLS 1.3 suites are all strong and come first anyway.
export const DOVECOT_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1';

export const block = (head: string, body: string[]): string[] => [`${head} {`, ...body.map((l) => `  ${l}`), '}'];

export const HEADER = '# Rendered by the mta seed from the environment; FORCE_CONFIG re-renders it. Local settings: DOVECOT_* variables.';

// The SASL socket for postfix (and LMTP's) in postfix's queue, owned by postfix.
export const postfixSocket = (paths: MtaPaths, path: string, mode: string): string[] =>
  block(`unix_listener ${join(paths.postfixQueue, path)}`, [`mode = ${mode}`, 'user = postfix', 'group = postfix']);

// The services both syntaxes write alike: the auth socket always, LMTP and the IMAP/POP3 listeners with mailboxes.
export function services(input: DovecotConfInput): string[] {
  const out = block('service auth', postfixSocket(input.paths, 'private/auth', '0660'));
  if (input.delivery)
    out.push(
      ...block('service lmtp', postfixSocket(input.paths, 'private/transport', '0600')),
      ...block('service imap-login', [
        ...block('inet_listener imap', ['port = 143']),
        ...block('inet_listener imaps', ['port = 993', 'ssl = yes']),
      ]),
      ...block('service pop3-login', [
        ...block('inet_listener pop3', ['port = 110']),
        ...block('inet_listener pop3s', ['port = 995', 'ssl = yes']),
      ]),
    );
  return out;
}

// How both variants end. The TLS profile of IMAPS/POP3S (and STARTTLS on 143/110): TLS 1.2 or newer, forward-secret
// AEAD suites only, the server's order, no password across the network in clear (`tls`: those last two in the
// variant's own settings); the certificate lines are in the TLS include. Then the services, and only our own
// includes: the packaged conf.d snippets would add a PAM passdb and their own mail settings.
export const tlsServicesIncludes = (input: DovecotConfInput, tls: [serverOrder: string, noCleartext: string]): string[] => [
  'ssl_min_protocol = TLSv1.2',
  `ssl_cipher_list = ${DOVECOT_CIPHERS}`,
  ...tls,
  ...services(input),
  `!include_try ${dovecotFiles(input.paths).confD}/*-mta-*.conf`,
];
