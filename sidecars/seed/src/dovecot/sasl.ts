import type { Config } from '@mta/shared';

// The SASL methods in the order dovecot tries them: password file, LDAP, SQL, then the remote IMAP server.
export type SaslMethod = 'passwd-file' | 'ldap' | 'sql' | 'imap';

// Dovecot takes final delivery (and so serves IMAP/POP3) when VIRTUAL_TRANSPORT names its LMTP socket.
const DOVECOT_LMTP = 'lmtp:unix:private/transport';
export const dovecotDelivers = (c: Config): boolean => c.VIRTUAL_TRANSPORT.trim() === DOVECOT_LMTP;

// A method is active when its variables are set; submission and smtps exist only if at least one is.
export function saslMethods(config: Config): SaslMethod[] {
  const out: SaslMethod[] = [];
  if (config.SMTPD_SASL_CLIENTAUTH?.length) out.push('passwd-file');
  if (config.LDAP_QUERY_ATTRS_PASS && config.LDAP_HOST && config.LDAP_USER_BASE) out.push('ldap');
  if (config.MYSQL_QUERY_PASS && config.MYSQL_HOST && config.MYSQL_DATABASE) out.push('sql');
  if (config.SMTPD_SASL_IMAPHOST) out.push('imap');
  return out;
}
