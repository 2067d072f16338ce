import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import {
  dovecotTlsInclude,
  eventually,
  fileScope,
  opensslSelfSigned,
  type SeededPostfix,
  seededPostfix,
  sendMail,
  swaksAuth,
} from '../harness/index.ts';
import { type Mariadb, MYSQL_READER, startMariadb } from '../harness/mariadb.ts';
import { imapsFetchAll, pop3sRetrFirst } from './mail-client.ts';
import { DOVECOT_DELIVERY, type Dovecot, startDovecot } from './start-dovecot.ts';

const cleanups = fileScope();

// IMAP/POP3 (and SASL) logins from the fixture database's users table.
const sqlLogins = (db: Mariadb) => ({
  MYSQL_HOST: `127.0.0.1:${db.port}`,
  MYSQL_DATABASE: MYSQL_READER.database,
  MYSQL_USER: MYSQL_READER.user,
  MYSQL_PASSWORD: MYSQL_READER.password,
  MYSQL_QUERY_PASS: "select user, password from users where user='%u'",
});

// The certificate a TLS server presents on port.
async function peerCert(port: number): Promise<X509Certificate> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const raw = socket.getPeerX509Certificate();
  socket.destroy();
  if (!raw) throw new Error('no peer certificate');
  return raw;
}

describe('dovecot LMTP delivery, IMAPS and POP3S', () => {
  let mta: SeededPostfix;
  let dovecot: Dovecot;
  before(async () => {
    const db = cleanups.keep(await startMariadb(await cleanups.dir()));
    db.sql("INSERT INTO postfix.users VALUES ('info', '{PLAIN}info-secret-1');");
    mta = await seededPostfix({
      env: {
        ...DOVECOT_DELIVERY,
        MAIL_BOXES: 'info@example.com',
        // IMAP/POP3 logins come from SQL (password-file logins are for SMTP submission only).
        ...sqlLogins(db),
        DOVECOT_AUTH_USERNAME_FORMAT: '%Ln',
      },
    });
    cleanups.defer(() => mta.stop());
    dovecot = cleanups.keep(await startDovecot(mta.paths));
  });

  test('a message sent to port 25 lands in /var/mail/example.com/info as vmail and is fetched over IMAPS and POP3S', async () => {
    const sent = sendMail(mta.port, 'a@sender.test', 'info@example.com', 'hello via lmtp');
    assert.equal(sent.status, 0, sent.output);
    // DOVECOT_AUTH_USERNAME_FORMAT=%Ln: the user is "info", a user of the primary domain.
    const inbox = join(mta.paths.mail, 'example.com', 'info', 'new');
    const file = await eventually(
      () => readdirSync(inbox).map((f) => join(inbox, f))[0],
      15_000,
      `delivery into ${inbox}\n${mta.postfix.output().slice(-2000)}\n${dovecot.log().slice(-2000)}`,
    );
    assert.match(readFileSync(file, 'utf8'), /hello via lmtp/);
    assert.equal(statSync(file).uid, 5000);
    // DOVECOT_AUTH_USERNAME_FORMAT=%Ln: a mixed-case login with domain is the SQL user "info".
    const imap = await imapsFetchAll(dovecot.ports.imaps, 'Info@Example.com', 'info-secret-1');
    assert.match(imap, /^a OK/m, imap);
    assert.match(imap, /hello via lmtp/, imap);
    const pop = await pop3sRetrFirst(dovecot.ports.pop3s, 'info', 'info-secret-1');
    assert.match(pop, /hello via lmtp/, pop);
    const wrong = await imapsFetchAll(dovecot.ports.imaps, 'info', 'wrong');
    assert.match(wrong, /^a NO/m);
  });

  test('IMAPS and POP3S present the certificate postfix serves, and a new one after the TLS include changes + reload', async () => {
    const postfixCert = await peerCert(mta.ports.smtps!);
    for (const port of [dovecot.ports.imaps, dovecot.ports.pop3s])
      assert.equal((await peerCert(port)).fingerprint256, postfixCert.fingerprint256);

    // What acme-watch does: new files, the one include rewritten, `doveadm reload`.
    const dir = mta.root;
    opensslSelfSigned(dir, 'new', 'new.example.com', { days: 2 });
    writeFileSync(mta.paths.dovecotTls, `ssl = yes\n${dovecotTlsInclude(join(dir, 'new.crt'), join(dir, 'new.key'))}`);
    execFileSync('doveadm', ['-c', dovecot.conf, 'reload']);
    const want = new X509Certificate(readFileSync(join(dir, 'new.crt'))).fingerprint256;
    await eventually(async () => (await peerCert(dovecot.ports.imaps)).fingerprint256 === want, 10_000, 'new IMAPS certificate');
  });
});

// The same local part in two domains is two mailboxes, in every delivery mode, and the logins of applications
// (SMTPD_SASL_CLIENTAUTH) open none of them.
const send = (port: number, to: string, token: string) => {
  const r = sendMail(port, 'a@sender.test', to, token, ['--header', `Subject: ${token}`]);
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
    db = cleanups.keep(await startMariadb(await cleanups.dir()));
    db.sql("INSERT INTO postfix.users VALUES ('info@a.test', '{PLAIN}pw-a'), ('info@b.test', '{PLAIN}pw-b');");
  });

  const base = { MAIL_DOMAIN: 'a.test b.test', MAIL_BOXES: 'info@a.test info@b.test' };

  test('dovecot LMTP and IMAP/POP3 logins: one home per address; an application login reads no mailbox', async () => {
    const mta: SeededPostfix = await seededPostfix({
      env: {
        ...base,
        VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
        ...sqlLogins(db),
        SMTPD_SASL_CLIENTAUTH: 'info:{plain}app-pw',
        DOVECOT_AUTH_FAILURE_DELAY: '0',
      },
    });
    cleanups.defer(() => mta.stop());
    const dovecot: Dovecot = await startDovecot(mta.paths);
    cleanups.defer(() => dovecot.stop());
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
    const sub = swaksAuth(mta.ports.submission, 'info', 'app-pw');
    assert.match(sub.output, /<~\s+235 /, sub.output);
  });

  test('postfix virtual delivery: /var/mail/<address>, one file per address', async () => {
    const mta: SeededPostfix = await seededPostfix({ env: base });
    cleanups.defer(() => mta.stop());
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
