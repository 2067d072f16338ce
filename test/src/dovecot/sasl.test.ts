import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fileScope, type SeededPostfix, seededPostfix, swaks } from '../harness/index.ts';
import { MYSQL_READER, startMariadb } from '../harness/mariadb.ts';
import { LDAP_LOOKUP_ENV, LDAP_READER, startSlapd } from '../harness/slapd.ts';
import { startRemoteImap } from './remote-imap.ts';
import { assertNoSecretsLeaked } from './secrets.ts';
import { DOVECOT_DELIVERY, type Dovecot, startDovecot } from './start-dovecot.ts';

const cleanups = fileScope();

// One user per method; the passwords are distinct so a hit can only come from the intended passdb. Each sends as an
// address it owns: the password-file login (an application) any, the LDAP entry its mail, SQL and IMAP logins the
// address of their name at the primary domain.
const USERS = {
  file: { user: 'client1', password: 'file-secret-1', from: 'sender@example.com' },
  ldap: { user: 'alice', password: 'alice-pw', from: 'alice@example.com' },
  sql: { user: 'receiver', password: 'sql-secret-1', from: 'receiver@example.com' },
  imap: { user: 'remote1', password: 'imap-secret-1', from: 'remote1@example.com' },
};

// Dovecot delays further logins from an address that just failed (auth penalty, up to 15 s): each session comes
// from its own loopback address so one wrong password does not slow down the next case.
let source = 10;
const submit = (
  port: number,
  tls: '--tls' | '--tlsc',
  auth: { user: string; password: string; from?: string } | undefined,
  to = 'someone@elsewhere.test',
) =>
  swaks([
    '--server',
    `127.0.0.1:${port}`,
    tls,
    '--from',
    auth?.from ?? 'sender@example.com',
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
  let seedEnv: Record<string, string>;
  before(async () => {
    const dir = await cleanups.dir();
    const slapd = cleanups.keep(await startSlapd(dir, { bindRequired: true }));
    const db = cleanups.keep(await startMariadb(dir));
    const imap = cleanups.keep(await startRemoteImap(dir, { name: USERS.imap.user, password: USERS.imap.password }));
    const env = {
      ...DOVECOT_DELIVERY,
      SMTPD_SASL_CLIENTAUTH: `${USERS.file.user}:{plain}${USERS.file.password} other:{plain}other-secret-9`,
      LDAP_HOST: slapd.url,
      LDAP_USER_BASE: LDAP_LOOKUP_ENV.LDAP_USER_BASE,
      LDAP_QUERY_FILTER_USER: LDAP_LOOKUP_ENV.LDAP_QUERY_FILTER_USER,
      LDAP_QUERY_ATTRS_PASS: 'uid=user',
      LDAP_QUERY_FILTER_ALIAS: '(&(objectclass=inetLocalMailRecipient)(mailLocalAddress=%s))',
      // Applications: client1 may send as anyone, other only as the news domain.
      SMTPD_SASL_SENDERS: 'other:@news.example.com',
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
    seedEnv = env;
    mta = cleanups.keep(await seededPostfix({ env }));
    dovecot = cleanups.keep(await startDovecot(mta.paths));
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

  test("sender ownership: a login as another user's address gets 5.7.1; its own alias passes; listed patterns bind applications", async () => {
    const from = (auth: { user: string; password: string }, sender: string) =>
      submit(mta.ports.submission!, '--tls', { ...auth, from: sender });
    const asBob = from(USERS.ldap, 'bob@example.com');
    assert.match(asBob.output, /<~\*\s+553 5\.7\.1 <bob@example\.com>: Sender address rejected: not owned by user alice/, asBob.output);
    assert.match(from(USERS.ldap, 'info@example.com').output, /<~\s+250 [^\n]*Ok\s*\n[^\n]*~> QUIT/, 'her LDAP alias');
    assert.match(from(USERS.sql, 'alice@example.com').output, /<~\*\s+553 5\.7\.1 /, 'an SQL login owns its own name only');
    assert.match(from(USERS.file, 'bob@example.com').output, /<~\s+250 [^\n]*Ok\s*\n[^\n]*~> QUIT/, 'an unlisted application is free');
    const other = { user: 'other', password: 'other-secret-9' };
    assert.match(from(other, 'alerts@news.example.com').output, /<~\s+250 [^\n]*Ok\s*\n[^\n]*~> QUIT/);
    const outside = from(other, 'ceo@example.com');
    assert.match(outside.output, /<~\*\s+5\d\d 5\.7\.1 .*not allowed for this login/, outside.output);
  });

  test('commas, white space and quotes in a local part add no owner, for LDAP, SQL and IMAP logins, at every domain', () => {
    // The same-named-login rule once split its answer on commas: "x,alice,y"@anywhere was alice's.
    for (const auth of [USERS.ldap, USERS.sql, USERS.imap])
      for (const domain of ['example.com', 'other.test'])
        for (const local of [
          `"x,${auth.user},y"`,
          `"x ${auth.user}"`,
          `"${auth.user},"`,
          `"x\\"${auth.user}"`,
          `"${auth.user}@${domain}"`,
        ]) {
          const r = submit(mta.ports.submission!, '--tls', { ...auth, from: `${local}@${domain}` });
          assert.match(r.output, /<~\*\s+553 5\.7\.1 .*not owned by user/, `${auth.user} as ${local}@${domain}:\n${r.output}`);
        }
  });

  test('dovecot checks the same users directly (doveadm auth test), in the order file, LDAP, SQL, IMAP', () => {
    for (const u of Object.values(USERS)) assert.equal(dovecot.authTest(u.user, u.password), true, u.user);
    assert.equal(dovecot.authTest(USERS.ldap.user, 'nope'), false);
    const order = dovecotPassdbOrder(dovecot.effective());
    // The guard's deny list (a passwd-file keyed by client address) is asked first.
    assert.deepEqual(order, ['passwd-file', 'passwd-file', 'ldap', 'sql', 'imap']);
  });

  test('no bind password, SQL password or SASL password in logs or world-readable files', () => {
    assertNoSecretsLeaked(mta.root, secrets, [mta.seedLog.join('\n'), mta.postfix.output(), dovecot.log()]);
  });

  test("SMTPD_SASL_SENDER_CHECK=no: any login may send as anyone again (the seed's behaviour)", async () => {
    const r = await mta.reseed({ ...seedEnv, FORCE_CONFIG: 'yes', SMTPD_SASL_SENDER_CHECK: 'no', SMTPD_SASL_SENDERS: '' });
    assert.equal(r.status, 'applied', JSON.stringify(r.errors));
    const asBob = submit(mta.ports.submission!, '--tls', { ...USERS.ldap, from: 'bob@example.com' });
    assert.match(asBob.output, /<~\s+250 [^\n]*Ok\s*\n[^\n]*~> QUIT/, asBob.output);
  });
});

// The passdb drivers in the order dovecot asks them, from `doveconf -n` (either syntax: 2.4 names each passdb and
// may keep them in an include; doveconf prints them in order, each block's settings sorted).
function dovecotPassdbOrder(effective: string): string[] {
  const out: string[] = [];
  let inPassdb = false;
  for (const line of effective.split('\n')) {
    if (/^passdb\b.*\{$/.test(line)) inPassdb = true;
    else if (line === '}') inPassdb = false;
    const driver = inPassdb ? /^ {2}driver = (\S+)$/.exec(line)?.[1] : undefined;
    if (driver) out.push(driver);
  }
  return out;
}
