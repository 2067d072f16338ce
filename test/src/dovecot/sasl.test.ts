import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  LDAP_READER,
  type Mariadb,
  MYSQL_READER,
  type SeededPostfix,
  type Slapd,
  seededPostfix,
  startMariadb,
  startSlapd,
  swaks,
  tempRoot,
} from '../harness/index.ts';
import { type RemoteImap, startRemoteImap } from './remote-imap.ts';
import { assertNoSecretsLeaked } from './secrets.ts';
import { type Dovecot, startDovecot } from './start-dovecot.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

// One user per method; the passwords are distinct so a hit can only come from the intended passdb.
const USERS = {
  file: { user: 'client1', password: 'file-secret-1' },
  ldap: { user: 'alice', password: 'alice-pw' },
  sql: { user: 'receiver', password: 'sql-secret-1' },
  imap: { user: 'remote1', password: 'imap-secret-1' },
};

// Dovecot delays further logins from an address that just failed (auth penalty, up to 15 s): each session comes
// from its own loopback address so one wrong password does not slow down the next case.
let source = 10;
const submit = (
  port: number,
  tls: '--tls' | '--tlsc',
  auth: { user: string; password: string } | undefined,
  to = 'someone@elsewhere.test',
) =>
  swaks([
    '--server',
    `127.0.0.1:${port}`,
    tls,
    '--from',
    'sender@example.com',
    '--to',
    to,
    '--quit-after',
    'RCPT',
    '--local-interface',
    `127.0.1.${source++}`,
    ...(auth ? ['--auth', 'PLAIN', '--auth-user', auth.user, '--auth-password', auth.password] : []),
  ]);

describe('SASL via dovecot: password file, LDAP bind, SQL and remote IMAP at once', () => {
  let mta: SeededPostfix;
  let dovecot: Dovecot;
  let secrets: string[];
  before(async () => {
    const { dir, cleanup } = await tempRoot();
    cleanups.push(cleanup);
    const slapd: Slapd = await startSlapd(dir, { bindRequired: true });
    cleanups.push(() => slapd.stop());
    const db: Mariadb = await startMariadb(dir);
    cleanups.push(() => db.stop());
    const imap: RemoteImap = await startRemoteImap(dir, { name: USERS.imap.user, password: USERS.imap.password });
    cleanups.push(() => imap.stop());
    const env = {
      MAIL_DOMAIN: 'example.com',
      SMTPD_USE_TLS: 'yes',
      VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
      SMTPD_SASL_CLIENTAUTH: `${USERS.file.user}:{plain}${USERS.file.password} other:{plain}other-secret-9`,
      LDAP_HOST: slapd.url,
      LDAP_USER_BASE: 'ou=people,dc=example,dc=com',
      LDAP_QUERY_FILTER_USER: '(&(objectclass=posixAccount)(mail=%s))',
      LDAP_QUERY_ATTRS_PASS: 'uid=user',
      LDAP_BIND_DN: LDAP_READER.dn,
      LDAP_BIND_PW: LDAP_READER.password,
      MYSQL_HOST: `127.0.0.1:${db.port}`,
      MYSQL_DATABASE: MYSQL_READER.database,
      MYSQL_USER: MYSQL_READER.user,
      MYSQL_PASSWORD: MYSQL_READER.password,
      MYSQL_QUERY_USER: "select recipient from mailboxes where mail='%s' limit 1;",
      MYSQL_QUERY_PASS: "select user, password from users where user='%u';",
      SMTPD_SASL_IMAPHOST: `127.0.0.1:${imap.port}`,
      // Pass-through of a dovecot setting; also keeps the wrong-password cases fast.
      DOVECOT_AUTH_FAILURE_DELAY: '0',
    };
    secrets = [LDAP_READER.password, MYSQL_READER.password, ...Object.values(USERS).map((u) => u.password), 'other-secret-9'];
    mta = await seededPostfix({ env });
    cleanups.push(() => mta.stop());
    dovecot = await startDovecot(mta.paths);
    cleanups.push(() => dovecot.stop());
  });

  for (const [method, auth] of Object.entries(USERS)) {
    test(`${method}: right password → 235 and relay on 587 (STARTTLS) and 465 (TLS); wrong → 535`, () => {
      for (const [port, tls] of [
        [mta.ports.submission!, '--tls'],
        [mta.ports.smtps!, '--tlsc'],
      ] as const) {
        const ok = submit(port, tls, auth);
        assert.match(ok.output, /<~\s+235 /, ok.output);
        assert.match(ok.output, /<~\s+250 [^\n]*Ok\s*\n[^\n]*~> (RCPT|QUIT)/, ok.output);
        assert.equal(ok.status, 0, ok.output);
        const bad = submit(port, tls, { user: auth.user, password: `${auth.password}-wrong` });
        assert.match(bad.output, /<~\*?\s+535 /, `${bad.output}\n${dovecot.log().slice(-3000)}`);
      }
    });
  }

  test('587: no AUTH before STARTTLS, and no relaying without AUTH', () => {
    const plain = swaks(['--server', `127.0.0.1:${mta.ports.submission}`, '--quit-after', 'EHLO']);
    assert.match(plain.output, /250-STARTTLS/);
    assert.doesNotMatch(plain.output, /250[- ]AUTH/);
    const tls = swaks(['--server', `127.0.0.1:${mta.ports.submission}`, '--tls', '--quit-after', 'EHLO']);
    assert.match(tls.output, /250[- ]AUTH PLAIN LOGIN/);
    for (const to of ['someone@elsewhere.test', 'alice@example.com']) {
      const anon = submit(mta.ports.submission!, '--tls', undefined, to);
      assert.match(anon.output, /<~\*\s+554 5\.7\.1 /, anon.output);
    }
  });

  test('dovecot checks the same users directly (doveadm auth test), in the order file, LDAP, SQL, IMAP', () => {
    for (const u of Object.values(USERS)) assert.equal(dovecot.authTest(u.user, u.password), true, u.user);
    assert.equal(dovecot.authTest(USERS.ldap.user, 'nope'), false);
    const conf = mta.paths.dovecotConf;
    const order = dovecotPassdbOrder(`${conf}/dovecot.conf`);
    // The guard's deny list (a passwd-file keyed by client address) is asked first.
    assert.deepEqual(order, ['passwd-file', 'passwd-file', 'ldap', 'sql', 'imap']);
  });

  test('no bind password, SQL password or SASL password in logs or world-readable files', () => {
    assertNoSecretsLeaked(mta.root, secrets, [mta.seedLog.join('\n'), mta.postfix.output(), dovecot.log()]);
  });
});

function dovecotPassdbOrder(conf: string): string[] {
  const text = readFileSync(conf, 'utf8');
  return [...text.matchAll(/passdb \{\n\s+driver = (\S+)/g)].map((m) => m[1]!);
}
