import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { eventually, fileScope, type SeededPostfix, seededPostfix, swaks } from '../harness/index.ts';
import { type Mariadb, MYSQL_READER, mysqlLookupEnv, startMariadb } from '../harness/mariadb.ts';
import { LDAP_LOOKUP_ENV, LDAP_READER, type Slapd, startSlapd } from '../harness/slapd.ts';

const cleanups = fileScope();

const LDAP_ENV = { MAIL_DOMAIN: 'example.com', ...LDAP_LOOKUP_ENV };

async function seeded(env: Record<string, string>): Promise<SeededPostfix> {
  const mta = cleanups.keep(await seededPostfix({ env, variant: 'mini' }));
  return mta;
}

const send = (mta: SeededPostfix, to: string, body: string) =>
  swaks(['--server', `127.0.0.1:${mta.port}`, '--from', 'a@sender.test', '--to', to, '--body', body]);

// Postfix's virtual agent writes one mbox file per mailbox (the table's result) under /var/mail.
const mailbox = (mta: SeededPostfix, name: string) => {
  const p = join(mta.paths.mail, name);
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
};

describe('LDAP mailbox, alias and group lookups deliver mail', () => {
  let dir: string;
  let open: Slapd;
  let locked: Slapd;
  before(async () => {
    dir = await cleanups.dir();
    open = cleanups.keep(await startSlapd(join(dir, 'open'), {}));
    locked = cleanups.keep(await startSlapd(join(dir, 'locked'), { bindRequired: true }));
  });

  test('user, alias and group (two members) are delivered; an unknown address is rejected at RCPT', async () => {
    const mta = await seeded({ ...LDAP_ENV, LDAP_HOST: `127.0.0.1:${open.port}` });
    for (const [to, body] of [
      ['alice@example.com', 'to-user'],
      ['info@example.com', 'to-alias'],
      ['team@example.com', 'to-group'],
    ] as const) {
      const r = send(mta, to, body);
      assert.equal(r.status, 0, r.output);
    }
    const unknown = send(mta, 'nobody@example.com', 'x');
    assert.match(unknown.output, /<\*\*\s+550 5\.1\.1/, unknown.output);
    await eventually(
      () =>
        ['to-user', 'to-alias', 'to-group'].every((b) => mailbox(mta, 'alice@example.com').includes(b)) &&
        mailbox(mta, 'bob@example.com').includes('to-group'),
      15_000,
      `deliveries\n${mta.postfix.output().slice(-3000)}`,
    );
    assert.ok(!mailbox(mta, 'bob@example.com').includes('to-user'));
  });

  test('bind-required directory: refused without LDAP_BIND_DN/PW, delivered with them', async () => {
    const anon = await seeded({ ...LDAP_ENV, LDAP_HOST: `ldap://127.0.0.1:${locked.port}` });
    const refused = send(anon, 'alice@example.com', 'anon');
    assert.match(refused.output, /<\*\*\s+4\d\d /, refused.output);

    const bound = await seeded({ ...LDAP_ENV, LDAP_HOST: locked.url, LDAP_BIND_DN: LDAP_READER.dn, LDAP_BIND_PW: LDAP_READER.password });
    for (const to of ['alice@example.com', 'team@example.com']) assert.equal(send(bound, to, 'bound').status, 0);
    await eventually(() => mailbox(bound, 'bob@example.com').includes('bound'), 15_000, 'delivery with bind');
    for (const log of [bound.seedLog.join('\n'), bound.postfix.output()]) assert.ok(!log.includes(LDAP_READER.password));
  });
});

describe('MySQL mailbox lookup delivers mail', () => {
  let db: Mariadb;
  before(async () => {
    db = cleanups.keep(await startMariadb(await cleanups.dir()));
  });

  test("the seed README's query delivers to receiver@example.com; unknown is rejected; aliases resolve", async () => {
    const mta = await seeded({
      MAIL_DOMAIN: 'example.com',
      ...mysqlLookupEnv(db.port),
    });
    assert.equal(send(mta, 'receiver@example.com', 'sql-user').status, 0);
    assert.equal(send(mta, 'sales@example.com', 'sql-alias').status, 0);
    assert.match(send(mta, 'nobody@example.com', 'x').output, /<\*\*\s+550 5\.1\.1/);
    // The query's result (recipient column) names the mailbox file.
    await eventually(
      () => mailbox(mta, 'receiver').includes('sql-user') && mailbox(mta, 'office1').includes('sql-alias'),
      15_000,
      'sql delivery',
    );
    for (const log of [mta.seedLog.join('\n'), mta.postfix.output()]) assert.ok(!log.includes(MYSQL_READER.password));
  });
});
