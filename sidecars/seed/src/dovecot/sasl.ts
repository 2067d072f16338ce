import type { Config } from '@mta/shared';

// The SASL methods in the order dovecot tries them: password file, LDAP, SQL, then the remote IMAP server.
export type SaslMethod = 'passwd-file' | 'ldap' | 'sql' | 'imap';

// Dovecot takes final delivery (and so serves IMAP/POP3) when VIRTUAL_TRANSPORT names its LMTP socket.
const DOVECOT_LMTP = 'lmtp:unix:private/transport';
export const dovecotDelivers = (c: Config): boolean => c.VIRTUAL_TRANSPORT.trim() === DOVECOT_LMTP;

// A method is active when its variables are set; submission and smtps exist only if at least one is.
export function saslMethods(c: Config): SaslMethod[] {
  const out: SaslMethod[] = [];
  if (c.SMTPD_SASL_CLIENTAUTH?.length) out.push('passwd-file');
  if (c.LDAP_QUERY_ATTRS_PASS && c.LDAP_HOST && c.LDAP_USER_BASE) out.push('ldap');
  if (c.MYSQL_QUERY_PASS && c.MYSQL_HOST && c.MYSQL_DATABASE) out.push('sql');
  if (c.SMTPD_SASL_IMAPHOST) out.push('imap');
  return out;
}
