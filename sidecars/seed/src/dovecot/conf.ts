import { join } from 'node:path';
import type { MtaPaths } from '@mta/shared';
import type { SaslMethod } from './sasl.ts';

// Where the passdb sources live next to dovecot.conf.
export const dovecotFiles = (paths: MtaPaths) => ({
  conf: join(paths.dovecotConf, 'dovecot.conf'),
  confD: join(paths.dovecotConf, 'conf.d'),
  env: join(paths.dovecotConf, 'conf.d', '90-mta-env.conf'),
  passwd: join(paths.dovecotConf, 'passwd'),
  ldap: join(paths.dovecotConf, 'dovecot-ldap.conf.ext'),
  sql: join(paths.dovecotConf, 'dovecot-sql.conf.ext'),
  baseDir: join(paths.root, 'run/dovecot'),
  stateDir: join(paths.root, 'var/lib/dovecot'),
});

export interface DovecotConfInput {
  paths: MtaPaths;
  methods: readonly SaslMethod[];
  imapHost?: { host: string; port?: number };
  // Dovecot takes final delivery (VIRTUAL_TRANSPORT=lmtp:unix:private/transport) and serves it over IMAP/POP3.
  delivery: boolean;
  // The guard's ban list: the deny passdb's args (guardDenyArgs); absent in tests of dovecot alone.
  denyArgs?: string;
  // The primary MAIL_DOMAIN: a login without a domain (an LDAP uid, DOVECOT_AUTH_USERNAME_FORMAT=%Ln) is a user of it.
  primaryDomain?: string;
}

// ECDHE with AES-GCM or ChaCha20 (TLS 1.2); TLS 1.3 suites are all strong and come first anyway.
const DOVECOT_CIPHERS = 'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1';

// %d, or the primary domain when the user name has none (dovecot's %{if} expansion).
const homeDomain = (primary: string | undefined): string => (primary ? `%{if;%d;eq;;${primary};%d}` : '%d');

const block = (head: string, body: string[]): string[] => [`${head} {`, ...body.map((l) => `  ${l}`), '}'];

function passdbs(input: DovecotConfInput): string[] {
  const f = dovecotFiles(input.paths);
  // First, so it is asked before any passdb that could succeed: a client address the guard banned (the files hold
  // MD5 hex digests of addresses, since passwd-file keys cannot hold an IPv6 address's colons) fails every login.
  const out: string[] = input.denyArgs ? block('passdb', ['driver = passwd-file', `args = ${input.denyArgs}`, 'deny = yes']) : [];
  // The password file always exists (maybe empty), so dovecot has a passdb even with no SASL method. Its logins
  // (SMTPD_SASL_CLIENTAUTH: applications relaying mail) exist for SMTP only: the key includes the service, so an
  // IMAP/POP3 login with the same name finds nothing here and no mailbox opens to them.
  if (input.methods.includes('passwd-file') || !input.methods.length)
    out.push(...block('passdb', ['driver = passwd-file', `args = scheme=CRYPT username_format=%{service}/%u ${f.passwd}`]));
  if (input.methods.includes('ldap')) out.push(...block('passdb', ['driver = ldap', `args = ${f.ldap}`]));
  if (input.methods.includes('sql')) out.push(...block('passdb', ['driver = sql', `args = ${f.sql}`]));
  if (input.methods.includes('imap') && input.imapHost) {
    const { host, port } = input.imapHost;
    out.push(...block('passdb', ['driver = imap', `args = host=${host.replace(/^\[|\]$/g, '')}${port ? ` port=${port}` : ''}`]));
  }
  return out;
}

// A complete dovecot.conf (2.3 syntax): SASL for postfix always, LMTP + IMAP/POP3 when dovecot holds the mailboxes.
export function renderDovecotConf(input: DovecotConfInput): string {
  const f = dovecotFiles(input.paths);
  const queue = input.paths.postfixQueue;
  const postfixSocket = (path: string, mode: string) =>
    block(`unix_listener ${join(queue, path)}`, [`mode = ${mode}`, 'user = postfix', 'group = postfix']);
  const lines = [
    '# Rendered by the mta seed from the environment; FORCE_CONFIG re-renders it. Local settings: DOVECOT_* variables.',
    `base_dir = ${f.baseDir}`,
    `state_dir = ${f.stateDir}`,
    `protocols = ${input.delivery ? 'imap pop3 lmtp' : ''}`,
    'log_path = /dev/stderr',
    'auth_mechanisms = plain login',
    ...passdbs(input),
    // One home per address, /var/mail/<domain>/<name>: info@a.test and info@b.test never share a maildir. A login
    // without a domain (an LDAP uid, or every user with DOVECOT_AUTH_USERNAME_FORMAT=%Ln) is a user of the primary
    // domain, so "demo" logging in over IMAP and mail for demo@<primary> meet in the same home.
    ...block('userdb', [
      'driver = static',
      `args = uid=vmail gid=vmail home=${join(input.paths.mail, homeDomain(input.primaryDomain), '%n')} allow_all_users=yes`,
    ]),
    'mail_location = maildir:~',
    // TLS profile of IMAPS/POP3S (and STARTTLS on 143/110): TLS 1.2 or newer, forward-secret AEAD suites only, the
    // server's order; no password crosses the network in clear. The certificate lines are in the TLS include.
    'ssl_min_protocol = TLSv1.2',
    `ssl_cipher_list = ${DOVECOT_CIPHERS}`,
    'ssl_prefer_server_ciphers = yes',
    'disable_plaintext_auth = yes',
    ...block('service auth', postfixSocket('private/auth', '0660')),
  ];
  if (input.delivery)
    lines.push(
      ...block('service lmtp', postfixSocket('private/transport', '0600')),
      ...block('service imap-login', [
        ...block('inet_listener imap', ['port = 143']),
        ...block('inet_listener imaps', ['port = 993', 'ssl = yes']),
      ]),
      ...block('service pop3-login', [
        ...block('inet_listener pop3', ['port = 110']),
        ...block('inet_listener pop3s', ['port = 995', 'ssl = yes']),
      ]),
    );
  // Only our own includes: the packaged conf.d snippets would add a PAM passdb and their own mail_location.
  lines.push(`!include_try ${f.confD}/*-mta-*.conf`);
  return `${lines.join('\n')}\n`;
}
