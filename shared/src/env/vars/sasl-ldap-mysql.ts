import { check, invalid, parseHostPort, q, text, words } from '../checks.ts';
import { ALL, BASE_UP, defineVar } from '../spec.ts';

// One SMTPD_SASL_CLIENTAUTH entry; the password keeps its dovecot {scheme} prefix.
export interface SaslClient {
  user: string;
  password: string;
}

const saslClients = check((raw) => {
  const out: SaslClient[] = [];
  let bad = 0;
  for (const item of words(raw)) {
    const i = item.indexOf(':');
    if (i <= 0 || i === item.length - 1) bad++;
    else out.push({ user: item.slice(0, i), password: item.slice(i + 1) });
  }
  return bad ? invalid(`${bad} entr${bad > 1 ? 'ies are' : 'y is'} not "user:{scheme}password"`) : out;
});

// LDAP_HOST accepts `auth`, `auth:389` and full URLs; all become an ldap URL.
const ldapHost = check((raw) => {
  const t = raw.trim();
  if (/^ldaps?:\/\/[^\s/]+\/?$/.test(t)) return t.replace(/\/$/, '');
  const hp = parseHostPort(t);
  if (!hp) return invalid(`${q(raw)} is not host, host:port or ldap://host:port`);
  return `ldap://${hp.host}${hp.port ? `:${hp.port}` : ''}`;
});

const attrsPass = check((raw) => {
  const m = /^([A-Za-z][A-Za-z0-9-]*)=user$/.exec(raw.trim());
  return m?.[1] ? { attribute: m[1], mapping: raw.trim() } : invalid(`${q(raw)} is not <attribute>=user (e.g. uid=user)`);
});

const ldapFilter = check((raw) => {
  const t = raw.trim();
  let depth = 0;
  for (const c of t) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  return t.startsWith('(') && depth === 0 ? t : invalid(`${q(raw)} is not a parenthesised LDAP filter`);
});

const hostPortText = check((raw) => (parseHostPort(raw) ? raw.trim() : invalid(`${q(raw)} is not host or host:port`)));

const ldap = (description: string, example: string, schema = text, extra: { secret?: boolean; format?: string } = {}) =>
  defineVar({ schema, topic: 'ldap', variants: ALL, description, format: extra.format ?? 'string', example, ...extra });
const mysql = (description: string, example: string, schema = text, extra: { secret?: boolean; format?: string } = {}) =>
  defineVar({ schema, topic: 'mysql', variants: ALL, description, format: extra.format ?? 'string', example, ...extra });

export const saslLdapMysqlVars = {
  SMTPD_SASL_CLIENTAUTH: defineVar({
    schema: saslClients,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Password file SASL users for submission (587) and smtps (465).',
    format: 'space separated user:{scheme}password',
    example: 'client1:{plain}passwd1 client2:{CRYPT}$2y$05$…',
    secret: true,
  }),
  SMTPD_SASL_IMAPHOST: defineVar({
    schema: hostPortText,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Authenticate SASL users against this remote IMAP server.',
    format: 'host or host:port',
    example: 'app:143',
  }),
  LDAP_HOST: ldap('LDAP server for mailbox, alias and SASL lookups.', 'ldap://auth:389', ldapHost, {
    format: 'host, host:port or ldap[s]://host:port',
  }),
  LDAP_USER_BASE: ldap('Base DN of user searches.', 'ou=people,dc=example,dc=com'),
  LDAP_GROUP_BASE: ldap('Base DN of group searches (defaults to LDAP_USER_BASE).', 'ou=groups,dc=example,dc=com'),
  LDAP_QUERY_FILTER_USER: ldap('Filter finding a mailbox; %s is the address.', '(&(objectclass=posixAccount)(mail=%s))', ldapFilter, {
    format: 'LDAP filter',
  }),
  LDAP_QUERY_ATTRS_USER: ldap('Result attribute of mailbox lookups.', 'mail'),
  LDAP_QUERY_FILTER_ALIAS: ldap('Filter finding an alias; %s is the address.', '(&(objectclass=posixAccount)(aliases=%s))', ldapFilter, {
    format: 'LDAP filter',
  }),
  LDAP_QUERY_FILTER_GROUP: ldap('Filter finding a mail group; %s is the address.', '(&(objectclass=group)(mail=%s))', ldapFilter, {
    format: 'LDAP filter',
  }),
  LDAP_QUERY_FILTER_EXPAND: ldap(
    'Filter expanding group members (uid) to mail addresses.',
    '(&(objectclass=posixAccount)(uid=%s))',
    ldapFilter,
    { format: 'LDAP filter' },
  ),
  LDAP_BIND_DN: ldap('DN to bind as for lookups (anonymous when empty).', 'uid=admin,dc=example,dc=com'),
  LDAP_BIND_PW: ldap('Password of LDAP_BIND_DN.', 'secret', text, { secret: true }),
  LDAP_QUERY_ATTRS_PASS: defineVar({
    schema: attrsPass,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Enables LDAP SASL (authentication binds): the attribute holding the login name.',
    format: '<attribute>=user',
    example: 'uid=user',
  }),
  LDAP_QUERY_FILTER_PASS: defineVar({
    schema: ldapFilter,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Filter finding the DN to bind as; derived from LDAP_QUERY_FILTER_USER when empty.',
    format: 'LDAP filter with %u',
    example: '(&(objectclass=posixAccount)(uid=%u))',
  }),
  MYSQL_HOST: mysql('MySQL/MariaDB server for mailbox and alias lookups.', 'db:3306', hostPortText, { format: 'host or host:port' }),
  MYSQL_DATABASE: mysql('Database holding the mailbox tables.', 'postfix'),
  MYSQL_QUERY_USER: mysql('Query finding a mailbox; %s is the address.', "select recipient from mailboxes where mail='%s' limit 1;"),
  MYSQL_QUERY_ALIAS: mysql('Query resolving an alias; %s is the address.', "select target from aliases where alias='%s';"),
  MYSQL_QUERY_PASS: mysql('Enables SQL SASL: a dovecot password_query.', "select user, password from users where user='%u';"),
  MYSQL_USER: mysql('MySQL user for lookups.', 'admin'),
  MYSQL_PASSWORD: mysql('Password of MYSQL_USER.', 'secret', text, { secret: true }),
};
