import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import { fileScope } from '../harness/index.ts';
import { type Mariadb, mysqlLookupEnv, startMariadb } from '../harness/mariadb.ts';
import { LDAP_LOOKUP_ENV, LDAP_READER, type Slapd, startSlapd } from '../harness/slapd.ts';
import { postmapQuery, writeLookupTables } from './render-tables.ts';

const cleanups = fileScope();

const LDAP_ENV = { ...LDAP_LOOKUP_ENV };

async function root(): Promise<string> {
  const dir = await cleanups.dir();
  return dir;
}

describe('postfix LDAP tables against a real slapd', () => {
  let open: Slapd;
  let locked: Slapd;
  before(async () => {
    open = cleanups.keep(await startSlapd(await root()));
    locked = cleanups.keep(await startSlapd(await root(), { bindRequired: true }));
  });

  test('LDAP_HOST as host:port resolves users, aliases and group members anonymously', async () => {
    const dir = await root();
    const part = writeLookupTables(dir, { ...LDAP_ENV, LDAP_HOST: `127.0.0.1:${open.port}` });
    const t = (name: string) => `ldap:${join(mtaPaths(dir).postfixConf, name)}`;
    assert.deepEqual(part.postconfLists?.virtual_mailbox_maps, [t('ldap-users.cf')]);
    assert.deepEqual(part.postconfLists?.virtual_alias_maps, [t('ldap-aliases.cf'), t('ldap-groups.cf'), t('ldap-groups-expand.cf')]);
    assert.equal(postmapQuery(dir, 'alice@example.com', t('ldap-users.cf')), 'alice@example.com');
    assert.equal(postmapQuery(dir, 'nobody@example.com', t('ldap-users.cf')), undefined);
    assert.equal(postmapQuery(dir, 'info@example.com', t('ldap-aliases.cf')), 'alice@example.com');
    assert.equal(postmapQuery(dir, 'team@example.com', t('ldap-groups.cf')), 'alice,bob');
    // Member uids come back qualified with @$myorigin (HOSTNAME); only those keys are expanded.
    assert.equal(postmapQuery(dir, 'bob@mx.example.com', t('ldap-groups-expand.cf')), 'bob@example.com');
    assert.equal(postmapQuery(dir, 'bob@elsewhere.test', t('ldap-groups-expand.cf')), undefined);
    // No password in these files: world-readable is fine.
    assert.equal(statSync(join(mtaPaths(dir).postfixConf, 'ldap-users.cf')).mode & 0o777, 0o644);
  });

  test('LDAP_HOST as ldap:// URL against a bind-required server: only LDAP_BIND_DN/PW get answers, file is 0640 root:postfix', async () => {
    const anon = await root();
    writeLookupTables(anon, { ...LDAP_ENV, LDAP_HOST: locked.url });
    const anonTable = `ldap:${join(mtaPaths(anon).postfixConf, 'ldap-users.cf')}`;
    assert.throws(() => postmapQuery(anon, 'alice@example.com', anonTable), /failed/);

    const bound = await root();
    writeLookupTables(bound, { ...LDAP_ENV, LDAP_HOST: locked.url, LDAP_BIND_DN: LDAP_READER.dn, LDAP_BIND_PW: LDAP_READER.password });
    const cf = join(mtaPaths(bound).postfixConf, 'ldap-users.cf');
    assert.equal(postmapQuery(bound, 'alice@example.com', `ldap:${cf}`), 'alice@example.com');
    assert.equal(postmapQuery(bound, 'team@example.com', `ldap:${join(mtaPaths(bound).postfixConf, 'ldap-groups.cf')}`), 'alice,bob');
    const st = statSync(cf);
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(st.uid, 0);
    assert.equal(
      st.gid,
      Number((await import('node:child_process')).execFileSync('getent', ['group', 'postfix']).toString().split(':')[2]),
    );
  });
});

describe('postfix MySQL tables against a real mariadbd', () => {
  let db: Mariadb;
  before(async () => {
    db = cleanups.keep(await startMariadb(await root()));
  });

  test("the seed README's mailboxes query finds receiver@example.com; aliases resolve; unknown is not found", async () => {
    const dir = await root();
    const part = writeLookupTables(dir, {
      ...mysqlLookupEnv(db.port),
    });
    const c = mtaPaths(dir).postfixConf;
    assert.deepEqual(part.postconfLists?.virtual_mailbox_maps, [`mysql:${c}/mysql-users.cf`]);
    assert.equal(postmapQuery(dir, 'receiver@example.com', `mysql:${c}/mysql-users.cf`), 'receiver');
    assert.equal(postmapQuery(dir, 'nobody@example.com', `mysql:${c}/mysql-users.cf`), undefined);
    assert.equal(postmapQuery(dir, 'sales@example.com', `mysql:${c}/mysql-aliases.cf`), 'office1@example.com');
    for (const f of ['mysql-users.cf', 'mysql-aliases.cf']) assert.equal(statSync(join(c, f)).mode & 0o777, 0o640);
  });

  test('a wrong MYSQL_PASSWORD is a lookup failure, not "not found"', async () => {
    const dir = await root();
    writeLookupTables(dir, {
      MYSQL_HOST: `127.0.0.1:${db.port}`,
      MYSQL_DATABASE: 'postfix',
      MYSQL_USER: 'mailer',
      MYSQL_PASSWORD: 'wrong',
      MYSQL_QUERY_USER: "select recipient from mailboxes where mail='%s' limit 1;",
    });
    assert.throws(() => postmapQuery(dir, 'receiver@example.com', `mysql:${mtaPaths(dir).postfixConf}/mysql-users.cf`), /failed/);
  });
});
