import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnv, type RawEnv } from '@mta/shared';
import type { RenderContext } from '../plan.ts';
import { plannedFile, testContext } from '../testing.ts';
import { expandQuery } from './ldap.ts';
import { renderLookups } from './render.ts';

// The renderer's context with a primary domain, as every case here needs one.
const ctx = (env: RawEnv): RenderContext => testContext({ MAIL_DOMAIN: 'example.com', ...env });

const LDAP = {
  LDAP_HOST: 'auth',
  LDAP_USER_BASE: 'ou=people,dc=example,dc=com',
  LDAP_QUERY_FILTER_USER: '(&(objectclass=posixAccount)(mail=%s))',
};
const MYSQL = {
  MYSQL_HOST: 'db:3306',
  MYSQL_DATABASE: 'postfix',
  MYSQL_QUERY_USER: "select recipient from mailboxes where mail='%s' limit 1;",
};
const file = (part: ReturnType<typeof renderLookups>, name: string) => plannedFile(part, `/r/etc/postfix/${name}`);

test('nothing configured: no tables, no parameters', () => {
  assert.deepEqual(renderLookups(ctx({})), {});
});

test('LDAP users only: one world-readable table with the seed layout, anonymous', () => {
  const part = renderLookups(ctx(LDAP));
  assert.deepEqual(part.postconfLists, { virtual_mailbox_maps: ['ldap:/r/etc/postfix/ldap-users.cf'] });
  const users = file(part, 'ldap-users.cf');
  assert.equal(users?.mode, 0o644);
  assert.match(String(users?.content), /^server_host = ldap:\/\/auth$/m);
  assert.match(String(users?.content), /^query_filter = \(&\(objectclass=posixAccount\)\(mail=%s\)\)$/m);
  assert.match(String(users?.content), /^result_attribute = mail$/m);
  assert.match(String(users?.content), /^bind = no$/m);
});

test('LDAP_QUERY_ATTRS_USER changes the result attribute', () => {
  assert.match(
    String(file(renderLookups(ctx({ ...LDAP, LDAP_QUERY_ATTRS_USER: 'uid' })), 'ldap-users.cf')?.content),
    /^result_attribute = uid$/m,
  );
});

test('aliases and groups: alias, group (memberUid) and expand tables in that order; bind password makes them 0640 root:postfix', () => {
  const part = renderLookups(
    ctx({
      ...LDAP,
      LDAP_QUERY_FILTER_ALIAS: '(aliases=%s)',
      LDAP_QUERY_FILTER_GROUP: '(&(objectclass=group)(mail=%s))',
      LDAP_QUERY_FILTER_EXPAND: '(&(objectclass=posixAccount)(uid=%s))',
      LDAP_BIND_DN: 'cn=reader,dc=example,dc=com',
      LDAP_BIND_PW: 'pw#1',
    }),
  );
  assert.deepEqual(part.postconfLists?.virtual_alias_maps, [
    'ldap:/r/etc/postfix/ldap-aliases.cf',
    'ldap:/r/etc/postfix/ldap-groups.cf',
    'ldap:/r/etc/postfix/ldap-groups-expand.cf',
  ]);
  for (const f of part.files ?? []) {
    assert.deepEqual([f.mode, f.owner, f.group], [0o640, 'root', 'postfix'], f.path);
    assert.match(String(f.content), /^bind_pw = pw#1$/m);
  }
  assert.match(String(file(part, 'ldap-groups.cf')?.content), /^result_attribute = memberUid$/m);
  // Without LDAP_GROUP_BASE groups are searched under the user base.
  assert.match(String(file(part, 'ldap-groups.cf')?.content), /^search_base = ou=people,dc=example,dc=com$/m);
  const expand = String(file(part, 'ldap-groups-expand.cf')?.content);
  assert.match(expand, /^query_filter = \(&\(objectclass=posixAccount\)\(uid=%u\)\)$/m);
  assert.match(expand, /^domain = mx\.example\.com$/m);
});

test('expandQuery: member uids are matched by local part, only at the origin host', () => {
  assert.deepEqual(expandQuery('mx.example.com', '(uid=%s)'), ['(uid=%u)', { domain: 'mx.example.com' }]);
  assert.deepEqual(expandQuery('mx', '(uid=%s)'), ['(uid=%u)', {}]);
});

test('MySQL: users and aliases on one connection; password makes the files 0640 root:postfix', () => {
  const part = renderLookups(
    ctx({ ...MYSQL, MYSQL_QUERY_ALIAS: "select t from a where a='%s'", MYSQL_USER: 'u', MYSQL_PASSWORD: 'sql#pw' }),
  );
  assert.deepEqual(part.postconfLists, {
    virtual_mailbox_maps: ['mysql:/r/etc/postfix/mysql-users.cf'],
    virtual_alias_maps: ['mysql:/r/etc/postfix/mysql-aliases.cf'],
  });
  const users = file(part, 'mysql-users.cf');
  assert.equal(users?.mode, 0o640);
  assert.match(String(users?.content), /^hosts = db:3306$/m);
  assert.match(String(users?.content), /^dbname = postfix$/m);
  assert.match(String(users?.content), /^password = sql#pw$/m);
  assert.match(String(users?.content), /^query = select recipient from mailboxes where mail='%s' limit 1;$/m);
  assert.equal(renderLookups(ctx(MYSQL)).files?.[0]?.mode, 0o644);
});

test('LDAP and MySQL together: LDAP tables are consulted first', () => {
  assert.deepEqual(renderLookups(ctx({ ...LDAP, ...MYSQL })).postconfLists?.virtual_mailbox_maps, [
    'ldap:/r/etc/postfix/ldap-users.cf',
    'mysql:/r/etc/postfix/mysql-users.cf',
  ]);
});

test('each use is switched on by its own variables: LDAP for SASL only, MySQL aliases only', () => {
  const sasl = {
    LDAP_HOST: 'auth',
    LDAP_USER_BASE: 'ou=users,dc=example,dc=com',
    LDAP_QUERY_ATTRS_PASS: 'uid=user',
    LDAP_QUERY_FILTER_PASS: '(uid=%u)',
  };
  assert.deepEqual(renderLookups(ctx(sasl)), {}, 'no postfix table: dovecot does the binds');
  const aliases = renderLookups(ctx({ MYSQL_HOST: 'db', MYSQL_DATABASE: 'postfix', MYSQL_QUERY_ALIAS: "select t from a where a='%s'" }));
  assert.deepEqual(aliases.postconfLists, { virtual_alias_maps: ['mysql:/r/etc/postfix/mysql-aliases.cf'] });
  assert.deepEqual(
    aliases.files?.map((f) => f.path),
    ['/r/etc/postfix/mysql-aliases.cf'],
  );
});

test('half-configured uses are env errors naming the missing variable, so the seed renders nothing', () => {
  const cases: [RawEnv, string, RegExp][] = [
    [{ ...LDAP, LDAP_QUERY_FILTER_GROUP: '(mail=%s)' }, 'LDAP_QUERY_FILTER_EXPAND', /LDAP_QUERY_FILTER_GROUP/],
    [{ ...LDAP, LDAP_QUERY_FILTER_EXPAND: '(uid=%s)' }, 'LDAP_QUERY_FILTER_GROUP', /LDAP_QUERY_FILTER_EXPAND/],
    [{ ...LDAP, LDAP_BIND_DN: 'cn=x' }, 'LDAP_BIND_PW', /LDAP_BIND_DN/],
    [{ ...LDAP, LDAP_BIND_PW: 'x' }, 'LDAP_BIND_DN', /LDAP_BIND_PW/],
    [{ LDAP_QUERY_FILTER_ALIAS: '(aliases=%s)' }, 'LDAP_HOST', /LDAP_QUERY_FILTER_ALIAS/],
    [{ LDAP_HOST: 'auth', LDAP_QUERY_FILTER_ALIAS: '(aliases=%s)' }, 'LDAP_USER_BASE', /LDAP_QUERY_FILTER_ALIAS/],
    [{ MYSQL_QUERY_USER: 'select 1' }, 'MYSQL_HOST', /MYSQL_QUERY_USER/],
    [{ MYSQL_HOST: 'db', MYSQL_QUERY_USER: 'select 1' }, 'MYSQL_DATABASE', /MYSQL_QUERY_USER/],
    [{ ...MYSQL, MYSQL_PASSWORD: 'x' }, 'MYSQL_USER', /MYSQL_PASSWORD/],
  ];
  for (const [env, variable, by] of cases) {
    const r = parseEnv({ HOSTNAME: 'mx.example.com', ...env });
    assert.ok(!r.ok, JSON.stringify(env));
    const issue = r.errors.find((e) => e.variable === variable);
    assert.ok(issue, `${variable} for ${JSON.stringify(env)}: ${JSON.stringify(r.errors)}`);
    assert.match(issue.message, by);
  }
});
