import { check, hostPort, invalid, isDomain, isEmail, parseHostPort, q, text, words, yesNo } from '../checks.ts';
import { ignoredWithout, isSet, needsVariant, requiredWhen } from '../rule.ts';
import { ALL, BASE_UP, defineVar, type VarRule } from '../spec.ts';
import { LDAP_SWITCHES, MYSQL_SWITCHES } from '../uses.ts';

// One SMTPD_SASL_CLIENTAUTH entry; the password keeps its dovecot {scheme} prefix.
export interface SaslClient {
  user: string;
  password: string;
}

// Dovecot's passwd-file splits lines on ":", so a ":" in the password would shift its fields; never echoes a password.
const saslClients = check((raw) => {
  const out: SaslClient[] = [];
  const problems: string[] = [];
  let bad = 0;
  for (const item of words(raw)) {
    const i = item.indexOf(':');
    const user = item.slice(0, i);
    if (i <= 0 || i === item.length - 1) bad++;
    else if (item.slice(i + 1).includes(':')) problems.push(`the password of ${q(user)} contains ":"`);
    else if (out.some((c) => c.user === user)) problems.push(`user ${q(user)} is listed twice`);
    else out.push({ user, password: item.slice(i + 1) });
  }
  if (bad) problems.unshift(`${bad} entr${bad > 1 ? 'ies are' : 'y is'} not "user:{scheme}password"`);
  return problems.length ? invalid(problems.join('; ')) : out;
});

// SMTPD_SASL_SENDERS: the senders (envelope and From/Sender headers) each listed login may use, whatever method
// checks its password; `@domain` (or `*@domain`) is any address of that domain.
export interface SenderPatterns {
  login: string;
  patterns: string[];
}
// One `login:sender[,sender…]` item, or what is wrong with it.
function senderItem(item: string): SenderPatterns | string {
  const i = item.indexOf(':');
  const patterns = item
    .slice(i + 1)
    .split(',')
    .filter(Boolean)
    .map((p) => p.toLowerCase().replace(/^\*@/, '@'));
  if (i <= 0 || !patterns.length) return `${q(item)} is not login:sender[,sender…]`;
  const wrong = patterns.filter((p) => !(isEmail(p) || (p.startsWith('@') && isDomain(p.slice(1)))));
  if (wrong.length) return `${wrong.map(q).join(', ')} ${wrong.length > 1 ? 'are' : 'is'} not an address or @domain`;
  return { login: item.slice(0, i), patterns };
}

const senderPatterns = check((raw) => {
  const items = words(raw).map(senderItem);
  const bad = items.filter((x): x is string => typeof x === 'string');
  const ok = items.filter((x): x is SenderPatterns => typeof x !== 'string');
  const twice = ok.filter((x, n) => ok.findIndex((y) => y.login === x.login) !== n).map((x) => `login ${q(x.login)} is listed twice`);
  return bad.length || twice.length ? invalid([...bad, ...twice].join('; ')) : ok;
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

type Extra = { secret?: boolean; format?: string; rules?: readonly VarRule[] };
const ldap = (description: string, example: string, schema = text, extra: Extra = {}) =>
  defineVar({ schema, topic: 'ldap', variants: ALL, description, format: extra.format ?? 'string', example, ...extra });
const mysql = (description: string, example: string, schema = text, extra: Extra = {}) =>
  defineVar({ schema, topic: 'mysql', variants: ALL, description, format: extra.format ?? 'string', example, ...extra });

const LDAP_ANY = ['LDAP_USER_BASE', 'LDAP_GROUP_BASE', 'LDAP_BIND_DN', 'LDAP_BIND_PW', ...LDAP_SWITCHES, 'LDAP_QUERY_FILTER_PASS'];
const MYSQL_ANY = ['MYSQL_DATABASE', 'MYSQL_USER', 'MYSQL_PASSWORD', ...MYSQL_SWITCHES];
const LDAP_WHAT = 'mailbox, alias or group lookups, or LDAP SASL';
const MYSQL_WHAT = 'mailbox or alias lookups, or SQL SASL';
const SASL_VARIANTS = (what: string, self: string) => needsVariant(BASE_UP, what, self);

// Dovecot's SQL connect string is split on spaces and has no quoting: such a value would connect somewhere else.
const sqlConnectSafe = (self: string): VarRule => ({
  text: 'must not contain spaces or quotes when MYSQL_QUERY_PASS is set (dovecot connect string)',
  check: (c) => {
    const v = c[self];
    return isSet(c, 'MYSQL_QUERY_PASS') && typeof v === 'string' && /[\s"']/.test(v)
      ? 'must not contain spaces or quotes when MYSQL_QUERY_PASS is set (dovecot connect string)'
      : undefined;
  },
});

// The seed's reconstruction needs "(mail=%s)" in the mailbox filter; without it the pass filter must be given.
const passFilterDerivable: VarRule = {
  text: 'required when LDAP_QUERY_ATTRS_PASS is set and LDAP_QUERY_FILTER_USER has no "(mail=%s)" to derive it from',
  check: (c) => {
    if (isSet(c, 'LDAP_QUERY_FILTER_PASS') || !isSet(c, 'LDAP_QUERY_ATTRS_PASS')) return undefined;
    const user = c.LDAP_QUERY_FILTER_USER;
    if (typeof user === 'string' && user.includes('(mail=%s)')) return undefined;
    return `required when LDAP_QUERY_ATTRS_PASS is set: ${isSet(c, 'LDAP_QUERY_FILTER_USER') ? 'LDAP_QUERY_FILTER_USER has no "(mail=%s)"' : 'LDAP_QUERY_FILTER_USER is not set'} to derive it from (e.g. (&(objectclass=posixAccount)(uid=%u)))`;
  },
};

export const saslLdapMysqlVars = {
  SMTPD_SASL_CLIENTAUTH: defineVar({
    schema: saslClients,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Password file SASL users for submission (587) and smtps (465).',
    format: 'space separated user:{scheme}password',
    example: 'client1:{plain}passwd1 client2:{CRYPT}$2y$05$…',
    secret: true,
    rules: [SASL_VARIANTS('SASL (ports 465 and 587)', 'SMTPD_SASL_CLIENTAUTH')],
  }),
  SMTPD_SASL_SENDER_CHECK: defineVar({
    schema: yesNo,
    topic: 'sasl',
    variants: BASE_UP,
    description:
      "Authenticated logins may use only the senders they own, in the envelope and in the From, Sender, Resent-From and Resent-Sender headers: their mailbox address and its aliases (MAIL_BOXES/MAIL_ALIASES, LDAP), or an address equal to the login (or its local part at the primary domain). SMTPD_SASL_SENDERS overrides this per login; SMTPD_SASL_CLIENTAUTH logins it does not list are free. no = any login may send as anyone (the seed's behaviour).",
    format: 'yes | no',
    example: 'no',
    default: 'yes',
  }),
  SMTPD_SASL_SENDERS: defineVar({
    schema: senderPatterns,
    topic: 'sasl',
    variants: BASE_UP,
    description:
      "Senders (envelope and From/Sender headers) each listed login may use, exactly: a password-file application, or an LDAP, SQL or remote-IMAP login such as a satellite MTA relaying other users' mail. Other senders are refused with 5.7.1. An SMTPD_SASL_CLIENTAUTH login not listed may use any sender; other logins not listed use what they own.",
    format: 'space separated login:sender[,sender…], sender = address or @domain',
    example: 'app1:noreply@example.com,@news.example.com',
    rules: [
      {
        text: 'has no effect with SMTPD_SASL_SENDER_CHECK=no (warning)',
        severity: 'warning',
        check: (c) =>
          isSet(c, 'SMTPD_SASL_SENDERS') && c.SMTPD_SASL_SENDER_CHECK === false ? 'has no effect: SMTPD_SASL_SENDER_CHECK=no' : undefined,
      },
    ],
  }),
  SMTPD_SASL_IMAPHOST: defineVar({
    schema: hostPort,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Authenticate SASL users against this remote IMAP server.',
    format: 'host or host:port',
    example: 'app:143',
    rules: [SASL_VARIANTS('SASL (ports 465 and 587)', 'SMTPD_SASL_IMAPHOST')],
  }),
  LDAP_HOST: ldap('LDAP server for mailbox, alias and SASL lookups.', 'ldap://auth:389', ldapHost, {
    format: 'host, host:port or ldap[s]://host:port',
    rules: [requiredWhen(LDAP_ANY, 'LDAP_HOST'), ignoredWithout(LDAP_SWITCHES, LDAP_WHAT, 'LDAP_HOST')],
  }),
  LDAP_USER_BASE: ldap('Base DN of user searches.', 'ou=people,dc=example,dc=com', text, {
    rules: [requiredWhen(LDAP_SWITCHES, 'LDAP_USER_BASE')],
  }),
  LDAP_GROUP_BASE: ldap('Base DN of group searches (defaults to LDAP_USER_BASE).', 'ou=groups,dc=example,dc=com'),
  LDAP_QUERY_FILTER_USER: ldap('Filter finding a mailbox; %s is the address.', '(&(objectclass=posixAccount)(mail=%s))', ldapFilter, {
    format: 'LDAP filter',
  }),
  LDAP_QUERY_ATTRS_USER: ldap('Result attribute of mailbox lookups.', 'mail', text, {
    rules: [ignoredWithout(['LDAP_QUERY_FILTER_USER'], 'mailbox lookups', 'LDAP_QUERY_ATTRS_USER')],
  }),
  LDAP_QUERY_FILTER_ALIAS: ldap('Filter finding an alias; %s is the address.', '(&(objectclass=posixAccount)(aliases=%s))', ldapFilter, {
    format: 'LDAP filter',
  }),
  LDAP_QUERY_FILTER_GROUP: ldap('Filter finding a mail group; %s is the address.', '(&(objectclass=group)(mail=%s))', ldapFilter, {
    format: 'LDAP filter',
    rules: [requiredWhen(['LDAP_QUERY_FILTER_EXPAND', 'LDAP_GROUP_BASE'], 'LDAP_QUERY_FILTER_GROUP')],
  }),
  LDAP_QUERY_FILTER_EXPAND: ldap(
    'Filter expanding group members (uid) to mail addresses.',
    '(&(objectclass=posixAccount)(uid=%s))',
    ldapFilter,
    { format: 'LDAP filter', rules: [requiredWhen(['LDAP_QUERY_FILTER_GROUP'], 'LDAP_QUERY_FILTER_EXPAND')] },
  ),
  LDAP_BIND_DN: ldap('DN to bind as for lookups (anonymous when empty).', 'uid=admin,dc=example,dc=com', text, {
    rules: [requiredWhen(['LDAP_BIND_PW'], 'LDAP_BIND_DN')],
  }),
  LDAP_BIND_PW: ldap('Password of LDAP_BIND_DN.', 'secret', text, {
    secret: true,
    rules: [requiredWhen(['LDAP_BIND_DN'], 'LDAP_BIND_PW')],
  }),
  LDAP_QUERY_ATTRS_PASS: defineVar({
    schema: attrsPass,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Enables LDAP SASL (authentication binds): the attribute holding the login name.',
    format: '<attribute>=user',
    example: 'uid=user',
    rules: [requiredWhen(['LDAP_QUERY_FILTER_PASS'], 'LDAP_QUERY_ATTRS_PASS'), SASL_VARIANTS('LDAP SASL', 'LDAP_QUERY_ATTRS_PASS')],
  }),
  LDAP_QUERY_FILTER_PASS: defineVar({
    schema: ldapFilter,
    topic: 'sasl',
    variants: BASE_UP,
    description: 'Filter finding the DN to bind as; derived from LDAP_QUERY_FILTER_USER when empty.',
    format: 'LDAP filter with %u',
    example: '(&(objectclass=posixAccount)(uid=%u))',
    rules: [passFilterDerivable],
  }),
  MYSQL_HOST: mysql('MySQL/MariaDB server for mailbox and alias lookups.', 'db:3306', hostPort, {
    format: 'host or host:port',
    rules: [requiredWhen(MYSQL_ANY, 'MYSQL_HOST'), ignoredWithout(MYSQL_SWITCHES, MYSQL_WHAT, 'MYSQL_HOST')],
  }),
  MYSQL_DATABASE: mysql('Database holding the mailbox tables.', 'postfix', text, {
    rules: [requiredWhen(MYSQL_SWITCHES, 'MYSQL_DATABASE'), sqlConnectSafe('MYSQL_DATABASE')],
  }),
  MYSQL_QUERY_USER: mysql('Query finding a mailbox; %s is the address.', "select recipient from mailboxes where mail='%s' limit 1;"),
  MYSQL_QUERY_ALIAS: mysql('Query resolving an alias; %s is the address.', "select target from aliases where alias='%s';"),
  MYSQL_QUERY_PASS: mysql('Enables SQL SASL: a dovecot password_query.', "select user, password from users where user='%u';", text, {
    rules: [SASL_VARIANTS('SQL SASL', 'MYSQL_QUERY_PASS')],
  }),
  MYSQL_USER: mysql('MySQL user for lookups.', 'admin', text, {
    rules: [requiredWhen(['MYSQL_PASSWORD'], 'MYSQL_USER'), sqlConnectSafe('MYSQL_USER')],
  }),
  MYSQL_PASSWORD: mysql('Password of MYSQL_USER.', 'secret', text, { secret: true, rules: [sqlConnectSafe('MYSQL_PASSWORD')] }),
};
