import { join } from 'node:path';
import { block, type DovecotConfInput, dovecotFiles, HEADER, tlsServicesIncludes } from './conf-parts.ts';

// The configuration language dovecot.conf is written in: 2.4.0's defaults, whatever 2.4.x reads it (a later 2.4
// keeps them for a file that says 2.4.0).
export const DOVECOT_CONFIG_VERSION = '2.4.0';
// The on-disk format of indexes and mailboxes: 2.3's, so the same /srv still works with a Dovecot 2.3 image (a
// downgrade, or an older node of a fleet); 2.4 then writes nothing 2.3 could not read.
export const DOVECOT_STORAGE_VERSION = '2.3.0';

// The user's domain, or the primary domain when the user name has none.
const homeDomain = (primary: string | undefined): string =>
  primary ? `%{user | domain | default(${JSON.stringify(primary)})}` : '%{user | domain}';

// dovecot.conf for Dovecot 2.4 (trixie): the same service as conf-23.ts in 2.4's settings; the passdbs are in their
// own file (passdb-24.ts), which holds the LDAP/SQL passwords.
export function renderDovecotConf24(input: DovecotConfInput): string {
  const f = dovecotFiles(input.paths);
  const lines = [
    HEADER,
    // 2.4 refuses a dovecot.conf whose first setting is not this one.
    `dovecot_config_version = ${DOVECOT_CONFIG_VERSION}`,
    `dovecot_storage_version = ${DOVECOT_STORAGE_VERSION}`,
    `base_dir = ${f.baseDir}`,
    `state_dir = ${f.stateDir}`,
    `protocols = ${input.delivery ? 'imap pop3 lmtp' : ''}`,
    'log_path = /dev/stderr',
    'auth_mechanisms = plain login',
    `!include ${f.passdbs}`,
    // One home per address, /var/mail/<domain>/<name>: info@a.test and info@b.test never share a maildir. A login
    // without a domain (an LDAP uid, or every user with DOVECOT_AUTH_USERNAME_FORMAT=%Ln) is a user of the primary
    // domain, so "demo" logging in over IMAP and mail for demo@<primary> meet in the same home.
    ...block('userdb static', [
      'driver = static',
      ...block('fields', [
        'uid = vmail',
        'gid = vmail',
        // Unquoted: a value runs to the end of the line, spaces and all (the domain is a checked domain name).
        `home = ${join(input.paths.mail, homeDomain(input.primaryDomain), '%{user | username}')}`,
      ]),
      'allow_all_users = yes',
    ]),
    'mail_driver = maildir',
    'mail_path = ~',
    ...tlsServicesIncludes(input, ['ssl_server_prefer_ciphers = server', 'auth_allow_cleartext = no']),
  ];
  return `${lines.join('\n')}\n`;
}
