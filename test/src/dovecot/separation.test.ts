import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  eventually,
  type Mariadb,
  MYSQL_READER,
  type SeededPostfix,
  seededPostfix,
  startMariadb,
  swaks,
  tempRoot,
} from '../harness/index.ts';
import { imapsFetchAll, pop3sRetrFirst } from './mail-client.ts';
import { type Dovecot, startDovecot } from './start-dovecot.ts';

// The same local part in two domains is two mailboxes, in every delivery mode, and the logins of applications
// (SMTPD_SASL_CLIENTAUTH) open none of them.

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const send = (port: number, to: string, token: string) => {
  const r = swaks([
    '--server',
    `127.0.0.1:${port}`,
    '--from',
    'a@sender.test',
    '--to',
    to,
    '--header',
    `Subject: ${token}`,
    '--body',
    token,
  ]);
  assert.equal(r.status, 0, r.output);
};
const filesIn = (dir: string): string[] => {
  try {
    return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
  } catch {
    return [];
  }
};

describe('mailbox separation: info@a.test and info@b.test', () => {
  let db: Mariadb;
  before(async () => {
    const { dir, cleanup } = await tempRoot();
    cleanups.push(cleanup);
    db = await startMariadb(dir);
    cleanups.push(() => db.stop());
    db.sql("INSERT INTO postfix.users VALUES ('info@a.test', '{PLAIN}pw-a'), ('info@b.test', '{PLAIN}pw-b');");
  });

  const base = { MAIL_DOMAIN: 'a.test b.test', MAIL_BOXES: 'info@a.test info@b.test' };

  test('dovecot LMTP and IMAP/POP3 logins: one home per address; an application login reads no mailbox', async () => {
    const mta: SeededPostfix = await seededPostfix({
      env: {
        ...base,
        VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
        MYSQL_HOST: `127.0.0.1:${db.port}`,
        MYSQL_DATABASE: MYSQL_READER.database,
        MYSQL_USER: MYSQL_READER.user,
        MYSQL_PASSWORD: MYSQL_READER.password,
        MYSQL_QUERY_PASS: "select user, password from users where user='%u'",
        SMTPD_SASL_CLIENTAUTH: 'info:{plain}app-pw',
        DOVECOT_AUTH_FAILURE_DELAY: '0',
      },
    });
    cleanups.push(() => mta.stop());
    const dovecot: Dovecot = await startDovecot(mta.paths);
    cleanups.push(() => dovecot.stop());
    send(mta.port, 'info@a.test', 'token-for-a');
    send(mta.port, 'info@b.test', 'token-for-b');
    for (const [domain, token] of [
      ['a.test', 'token-for-a'],
      ['b.test', 'token-for-b'],
    ] as const)
      await eventually(
        () => filesIn(join(mta.paths.mail, domain, 'info', 'new')).some((t) => t.includes(token)),
        15_000,
        `${token} in ${domain}/info`,
      );
    for (const [user, password, mine, theirs] of [
      ['info@a.test', 'pw-a', 'token-for-a', 'token-for-b'],
      ['info@b.test', 'pw-b', 'token-for-b', 'token-for-a'],
    ] as const) {
      const imap = await imapsFetchAll(dovecot.ports.imaps, user, password);
      assert.match(imap, new RegExp(mine), imap);
      assert.doesNotMatch(imap, new RegExp(theirs));
      const pop = await pop3sRetrFirst(dovecot.ports.pop3s, user, password);
      assert.match(pop, new RegExp(mine), pop);
    }
    // The application's login: SMTP submission yes, IMAP/POP3 no.
    assert.match(await imapsFetchAll(dovecot.ports.imaps, 'info', 'app-pw'), /^a NO/m);
    assert.doesNotMatch(await pop3sRetrFirst(dovecot.ports.pop3s, 'info', 'app-pw'), /token-for/);
    const sub = swaks([
      '--server',
      `127.0.0.1:${mta.ports.submission}`,
      '--tls',
      '--quit-after',
      'AUTH',
      '--auth',
      'PLAIN',
      '--auth-user',
      'info',
      '--auth-password',
      'app-pw',
    ]);
    assert.match(sub.output, /<~\s+235 /, sub.output);
  });

  test('postfix virtual delivery: /var/mail/<address>, one file per address', async () => {
    const mta: SeededPostfix = await seededPostfix({ env: base });
    cleanups.push(() => mta.stop());
    send(mta.port, 'info@a.test', 'virtual-a');
    send(mta.port, 'info@b.test', 'virtual-b');
    const read = (box: string) => {
      try {
        return readFileSync(join(mta.paths.mail, box), 'utf8');
      } catch {
        return '';
      }
    };
    await eventually(
      () => read('info@a.test').includes('virtual-a') && read('info@b.test').includes('virtual-b'),
      15_000,
      'both deliveries',
    );
    assert.doesNotMatch(read('info@a.test'), /virtual-b/);
    assert.doesNotMatch(read('info@b.test'), /virtual-a/);
  });
});
