import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import { mtaPaths } from '@mta/shared';
import { fileScope, memoryLogger, prepareSeedRoot, testInstanceEnv } from '../harness/index.ts';

const cleanups = fileScope();

test('partial LDAP/MySQL groups stop the seed with every problem named, and nothing is written', async () => {
  const dir = await cleanups.dir();
  prepareSeedRoot(dir);
  const lines: string[] = [];
  const r = await runSeed({
    root: dir,
    variant: 'full',
    log: memoryLogger(lines),
    env: {
      ...testInstanceEnv(dir),
      MAIL_DOMAIN: 'example.com',
      LDAP_HOST: 'ldap://127.0.0.1:1',
      LDAP_USER_BASE: 'ou=people,dc=example,dc=com',
      LDAP_QUERY_FILTER_USER: '(mail=%s)',
      LDAP_QUERY_FILTER_GROUP: '(&(objectclass=posixGroup)(mail=%s))',
      LDAP_BIND_PW: 'lonely-secret-7',
      MYSQL_HOST: '127.0.0.1:1',
      MYSQL_DATABASE: 'postfix',
      MYSQL_QUERY_USER: 'select 1',
      MYSQL_PASSWORD: 'other-secret-8',
    },
  });
  assert.equal(r.status, 'invalid');
  const got = Object.fromEntries(r.errors.map((e) => [e.variable, e.message]));
  assert.match(got.LDAP_QUERY_FILTER_EXPAND ?? '', /required when LDAP_QUERY_FILTER_GROUP is set/);
  assert.match(got.LDAP_BIND_DN ?? '', /required when LDAP_BIND_PW is set/);
  assert.match(got.MYSQL_USER ?? '', /required when MYSQL_PASSWORD is set/);
  const paths = mtaPaths(dir);
  for (const f of ['ldap-users.cf', 'mysql-users.cf', 'main.cf']) assert.ok(!existsSync(join(paths.postfixConf, f)), f);
  assert.ok(!existsSync(join(paths.dovecotConf, 'dovecot.conf')));
  const text = JSON.stringify(r) + lines.join('\n');
  for (const s of ['lonely-secret-7', 'other-secret-8']) assert.ok(!text.includes(s));
});
