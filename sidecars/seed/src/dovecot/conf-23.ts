import { join } from 'node:path';
import { block, type DovecotConfInput, dovecotFiles, HEADER, tlsServicesIncludes } from './conf-parts.ts';

// %d, or the primary domain when the user name has none (dovecot's %{if} expansion).
const homeDomain = (primary: string | undefined): string => (primary ? `%{if;%d;eq;;${primary};%d}` : '%d');

function passdbs(input: DovecotConfInput): string[] {
  const f = dovecotFiles(input.paths);
  // First, so it is asked before any passdb that could succeed: a client address the guard banned (the files hold
  // MD5 hex digests of addresses, since passwd-file keys cannot hold an IPv6 address's colons) fails every login.
  const out: string[] = input.deny
    ? block('passdb', ['driver = passwd-file', `args = username_format=${input.deny.key} ${input.deny.path}`, 'deny = yes'])
    : [];
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

// dovecot.conf for Dovecot 2.3 (bookworm).
export function renderDovecotConf23(input: DovecotConfInput): string {
  const f = dovecotFiles(input.paths);
  const lines = [
    HEADER,
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
    ...tlsServicesIncludes(input, ['ssl_prefer_server_ciphers = yes', 'disable_plaintext_auth = yes']),
  ];
  return `${lines.join('\n')}\n`;
}
