import type { EnvIssue, GuardDenyLookup } from '@mta/shared';
import { block } from './conf-parts.ts';
import type { LdapPassdb } from './ldap.ts';
import { dq, settingLines } from './quote.ts';
import type { SaslMethod } from './sasl.ts';
import type { SqlPassdb } from './sql.ts';
import { toDovecot24Vars } from './vars-24.ts';

export interface Passdbs24Input {
  methods: readonly SaslMethod[];
  // The password file (SMTPD_SASL_CLIENTAUTH), always there, maybe empty.
  passwd: string;
  deny?: GuardDenyLookup;
  // With the variable each operator-written value came from, for errors.
  ldap?: LdapPassdb & { filterVar: string };
  sql?: SqlPassdb;
  imapHost?: { host: string; port?: number };
}

// Dovecot 2.4's passdbs, in the order 2.3's were asked: 2.4 has no external args files, so the LDAP and SQL
// connections (their passwords among them) are settings inside the passdb, and this file is read by root only.
// Every passdb is named (2.4 requires it) after its driver, so the short setting names inside expand to the driver's.
export function renderPassdbs24(i: Passdbs24Input): { text: string; errors: EnvIssue[] } {
  const errors: EnvIssue[] = [];
  const vars = (variable: string, value: string): string => {
    const r = toDovecot24Vars(value);
    if (r.ok) return r.value;
    errors.push({ variable, message: `not usable with Dovecot 2.4: ${r.reason}` });
    return value;
  };
  const out = ['# Rendered by the mta seed: the passdbs of dovecot.conf (Dovecot 2.4), in the order they are asked.'];
  // First, so it is asked before any passdb that could succeed: a client address the guard banned (the files hold
  // MD5 hex digests of addresses, since passwd-file keys cannot hold an IPv6 address's colons) fails every login.
  if (i.deny)
    out.push(
      ...block('passdb guard-deny', [
        'driver = passwd-file',
        `passwd_file_path = ${i.deny.path}`,
        `auth_username_format = ${i.deny.key}`,
        'deny = yes',
      ]),
    );
  // The password file always exists (maybe empty), so dovecot has a passdb even with no SASL method. Its logins
  // (SMTPD_SASL_CLIENTAUTH: applications relaying mail) exist for SMTP only: the key includes the protocol, so an
  // IMAP/POP3 login with the same name finds nothing here and no mailbox opens to them.
  if (i.methods.includes('passwd-file') || !i.methods.length)
    out.push(
      ...block('passdb passwd-file', [
        'driver = passwd-file',
        `passwd_file_path = ${i.passwd}`,
        'auth_username_format = %{protocol}/%{user}',
        'default_password_scheme = CRYPT',
      ]),
    );
  if (i.methods.includes('ldap') && i.ldap) {
    const l = i.ldap;
    out.push(
      ...block('passdb ldap', [
        'driver = ldap',
        ...settingLines({
          ldap_uris: l.uris,
          ldap_version: '3',
          ldap_base: l.base,
          ldap_scope: 'subtree',
          ldap_deref: 'never',
          ldap_auth_dn: l.dn,
          ldap_auth_dn_password: l.dnpass,
        }),
        // Authentication binds: the user's DN is searched with this filter, then bound to with the password.
        'bind = yes',
        `filter = ${dq(vars(l.filterVar, l.filter))}`,
        ...block('fields', [`user = %{ldap:${l.attribute}}`]),
      ]),
    );
  }
  if (i.methods.includes('sql') && i.sql) {
    const s = i.sql;
    out.push(
      ...block('passdb sql', [
        'driver = sql',
        'sql_driver = mysql',
        // 2.4 connects to each `mysql <host>` named filter (the name is the host).
        ...block(
          `mysql ${dq(s.host ?? 'localhost')}`,
          settingLines({ mysql_port: s.port, mysql_dbname: s.dbname, mysql_user: s.user, mysql_password: s.password }),
        ),
        'default_password_scheme = CRYPT',
        `query = ${dq(vars('MYSQL_QUERY_PASS', s.query))}`,
      ]),
    );
  }
  if (i.methods.includes('imap') && i.imapHost) {
    const { host, port } = i.imapHost;
    out.push(
      ...block('passdb imap', ['driver = imap', `imapc_host = ${host.replace(/^\[|\]$/g, '')}`, ...(port ? [`imapc_port = ${port}`] : [])]),
    );
  }
  return { text: `${out.join('\n')}\n`, errors };
}
