import { join } from 'node:path';
import { configuredDomain } from '@mta/shared';
import { saslMethods } from '../dovecot/sasl.ts';
import { cfFile } from '../lookup/cf.ts';
import type { PlannedFile, PlanPart, RenderContext } from '../plan.ts';
import { completeAddress } from './domains.ts';
import { TABLE_TYPE, tableText, withIndex } from './tables.ts';

// Files of the sender check, next to main.cf.
const senderFiles = (postfixConf: string) => ({
  owners: join(postfixConf, 'sender_logins'),
  self: join(postfixConf, 'sender_logins_self.pcre'),
  classes: join(postfixConf, 'sender_login_classes'),
  ldapUsers: join(postfixConf, 'ldap-sender-logins.cf'),
  ldapAliases: join(postfixConf, 'ldap-sender-aliases.cf'),
  mysqlAliases: join(postfixConf, 'mysql-sender-aliases.cf'),
  patterns: (n: number) => join(postfixConf, `sender_patterns_${n}.pcre`),
});

// One local part or domain that cannot widen an owner list.
const PLAIN = '[^\\s,"\\\\@]+';
const pcreQuote = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
const localPart = (a: string): string => a.slice(0, a.lastIndexOf('@'));
const domainOf = (a: string): string => a.slice(a.lastIndexOf('@') + 1);

// The logins that own an address: the address itself, and its local part when it is at the primary domain (logins
// like "alice" own alice@<primary> only, so info@a.test and info@b.test never share an owner).
function ownersOf(address: string, primary: string | undefined): string[] {
  return primary && domainOf(address) === primary ? [address, localPart(address)] : [address];
}

// Who may send as whom, from the sources postfix already uses for delivery: MAIL_BOXES and MAIL_ALIASES (a hashed
// table), LDAP (the login attribute of the entry holding the address), and otherwise an address owned by the login
// of the same name (pcre). Password-file logins (applications) are free unless SMTPD_SASL_SENDERS restricts them.
export function renderSenderLogins(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  const f = senderFiles(ctx.paths.postfixConf);
  const methods = ctx.variant === 'mini' ? [] : saslMethods(config);
  const stale = [...withIndex(f.owners), f.self, ...withIndex(f.classes), f.ldapUsers, f.ldapAliases, f.mysqlAliases];
  if (!config.SMTPD_SASL_SENDER_CHECK || !methods.length)
    return { postconf: { smtpd_sender_login_maps: '', smtpd_sender_restrictions: '', smtpd_restriction_classes: '' }, remove: stale };
  const primary = configuredDomain(config);
  const files: PlannedFile[] = [];
  const maps: string[] = [];

  const owners = new Map<string, Set<string>>();
  const add = (address: string, logins: string[]) => owners.set(address, new Set([...(owners.get(address) ?? []), ...logins]));
  for (const b of config.MAIL_BOXES) add(b.address, ownersOf(b.address, primary));
  for (const a of config.MAIL_ALIASES) {
    if (a.alias.startsWith('@') || !primary) continue;
    const alias = completeAddress(a.alias, primary);
    add(
      alias,
      a.targets.flatMap((t) => ownersOf(completeAddress(t.toLowerCase(), primary), primary)),
    );
  }
  if (owners.size) {
    files.push({
      path: f.owners,
      content: tableText([...owners].map(([k, v]) => [k, [...v].join(', ')] as const)),
      mode: 0o644,
      postmap: TABLE_TYPE,
    });
    maps.push(`${TABLE_TYPE}:${f.owners}`);
  }

  // LDAP logins (auth binds) are the entry's login attribute; the entry holding an address or alias owns it.
  if (methods.includes('ldap') && config.LDAP_HOST && config.LDAP_USER_BASE && config.LDAP_QUERY_ATTRS_PASS) {
    const bind = config.LDAP_BIND_DN ? { bind: 'yes', bind_dn: config.LDAP_BIND_DN, bind_pw: config.LDAP_BIND_PW ?? '' } : { bind: 'no' };
    const secret = !!config.LDAP_BIND_DN;
    const table = (path: string, filter: string) =>
      cfFile(
        path,
        {
          server_host: config.LDAP_HOST,
          search_base: config.LDAP_USER_BASE,
          version: '3',
          scope: 'sub',
          query_filter: filter,
          result_attribute: `${config.LDAP_QUERY_ATTRS_PASS?.attribute}, mail`,
          ...bind,
        },
        secret,
      );
    if (config.LDAP_QUERY_FILTER_USER) {
      files.push(table(f.ldapUsers, config.LDAP_QUERY_FILTER_USER));
      maps.push(`ldap:${f.ldapUsers}`);
    }
    if (config.LDAP_QUERY_FILTER_ALIAS) {
      files.push(table(f.ldapAliases, config.LDAP_QUERY_FILTER_ALIAS));
      maps.push(`ldap:${f.ldapAliases}`);
    }
  }

  // SQL logins: an alias from MYSQL_QUERY_ALIAS belongs to its targets (logins named like the target address).
  if (methods.includes('sql') && config.MYSQL_HOST && config.MYSQL_DATABASE && config.MYSQL_QUERY_ALIAS) {
    const conn = { hosts: config.MYSQL_HOST, dbname: config.MYSQL_DATABASE, user: config.MYSQL_USER, password: config.MYSQL_PASSWORD };
    files.push(cfFile(f.mysqlAliases, { ...conn, query: config.MYSQL_QUERY_ALIAS }, !!config.MYSQL_PASSWORD));
    maps.push(`mysql:${f.mysqlAliases}`);
  }

  // postfix splits an owner list on commas and whitespace, and looks an address up in its quoted form first: a
  // local part holding a comma, a space, a quote, a backslash or an "@" ("x,mallory,y"@victim.test) would name extra
  // owners. Such addresses match no line here, so nobody owns them.
  const self = [
    '# Written by the mta seed: an address not listed elsewhere is owned by the login of the same name.',
    ...(primary ? [`/^(${PLAIN})@${pcreQuote(primary)}$/i\t$1@${primary}, $1`] : []),
    `/^(${PLAIN}@${PLAIN})$/\t$1`,
    '',
  ].join('\n');
  files.push({ path: f.self, content: self, mode: 0o644 });
  maps.push(`pcre:${f.self}`);

  // Logins listed in SMTPD_SASL_SENDERS (any method: password file, LDAP, SQL, remote IMAP) may use exactly their
  // patterns; the other password-file logins (applications) are free. check_sasl_access answers before the ownership
  // check, with OK or a class that accepts or refuses the sender.
  const patterned = new Map((config.SMTPD_SASL_SENDERS ?? []).map((s) => [s.login, s.patterns]));
  const classes: string[] = [];
  const classRows: (readonly [string, string])[] = [];
  const postconf: Record<string, string> = {};
  for (const { user } of config.SMTPD_SASL_CLIENTAUTH ?? []) if (!patterned.has(user)) classRows.push([user, 'OK']);
  for (const [user, patterns] of patterned) {
    const n = classes.length + 1;
    const name = `mta_senders_${n}`;
    const lines = patterns.map((p) => `/${p.startsWith('@') ? '' : '^'}${pcreQuote(p)}$/i\tOK`);
    lines.push('/^/\tREJECT 5.7.1 sender address not allowed for this login (SMTPD_SASL_SENDERS)', '');
    files.push({ path: f.patterns(n), content: lines.join('\n'), mode: 0o644 });
    classes.push(name);
    postconf[name] = `check_sender_access pcre:${f.patterns(n)}`;
    classRows.push([user, name]);
  }
  const restrictions: string[] = [];
  if (classRows.length) {
    files.push({ path: f.classes, content: tableText(classRows), mode: 0o644, postmap: TABLE_TYPE });
    restrictions.push(`check_sasl_access ${TABLE_TYPE}:${f.classes}`);
  }
  restrictions.push('reject_authenticated_sender_login_mismatch');
  return {
    postconf: {
      ...postconf,
      smtpd_restriction_classes: classes.join(', '),
      smtpd_sender_login_maps: maps.join(', '),
      smtpd_sender_restrictions: restrictions.join(', '),
    },
    files,
    // Tables of an earlier configuration that this one no longer uses.
    remove: stale.filter((p) => !files.some((x) => x.path === p || `${x.path}.db` === p)),
  };
}
