import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawEnv } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';
import { plannedFile, testContext } from '../testing.ts';
import { renderDovecot } from './render.ts';
import { ALL, LDAP, MYSQL } from './sasl-env.test-helper.ts';
import { toDovecot24Vars } from './vars-24.ts';

const TRIXIE = { postfix: '3.10.13', dovecot: '2.4.1-4 (7d8c0e5759)' };
const BOOKWORM = { postfix: '3.7.11', dovecot: '2.3.19.1' };
const ctx = (env: RawEnv, daemons = TRIXIE, dovecotParams: string[] = []): RenderContext =>
  testContext({ MAIL_DOMAIN: 'example.com', ...env }, { daemons, dovecotParams: new Set(dovecotParams) });
const text = (part: PlanPart, path: string) => {
  const f = plannedFile(part, path);
  assert.ok(f, `${path} planned`);
  return String(f.content);
};
const CONF = '/r/etc/dovecot/dovecot.conf';
const PASSDBS = '/r/etc/dovecot/mta-passdbs.conf.ext';

test('the installed dovecot picks the syntax: 2.3 on bookworm, 2.4 on trixie, 2.3 without a version', () => {
  assert.match(text(renderDovecot(ctx({}, BOOKWORM)), CONF), /^mail_location = maildir:~$/m);
  assert.match(text(renderDovecot(testContext({})), CONF), /^disable_plaintext_auth = yes$/m);
  const conf = text(renderDovecot(ctx({})), CONF);
  assert.doesNotMatch(conf, /mail_location|disable_plaintext_auth|ssl_prefer_server_ciphers|args =/);
});

test('2.4: dovecot_config_version is the first setting, storage stays 2.3-readable, 2.4 names throughout', () => {
  const conf = text(renderDovecot(ctx({ VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' })), CONF);
  const settings = conf.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(settings[0], 'dovecot_config_version = 2.4.0');
  for (const line of [
    'dovecot_storage_version = 2.3.0',
    'mail_driver = maildir',
    'mail_path = ~',
    'ssl_server_prefer_ciphers = server',
    'auth_allow_cleartext = no',
    'ssl_min_protocol = TLSv1.2',
    `!include ${PASSDBS}`,
    'protocols = imap pop3 lmtp',
  ])
    assert.ok(settings.includes(line), `${line} in\n${conf}`);
  // One home per address; a login without a domain is a user of the primary domain.
  assert.match(conf, /^userdb static \{\n {2}driver = static\n {2}fields \{\n {4}uid = vmail\n {4}gid = vmail\n/m);
  assert.match(conf, /^ {4}home = \/r\/var\/mail\/%\{user \| domain \| default\("example\.com"\)\}\/%\{user \| username\}$/m);
  assert.match(conf, /unix_listener \/r\/var\/spool\/postfix\/private\/transport \{/);
  assert.match(conf, /^!include_try \/r\/etc\/dovecot\/conf\.d\/\*-mta-\*\.conf$/m);
});

test('2.4 passdbs: guard deny first, SMTP-only password file, LDAP bind, SQL, remote IMAP, in one secret file', () => {
  const part = renderDovecot(
    ctx({ ...ALL, LDAP_BIND_DN: 'cn=reader,dc=example,dc=com', LDAP_BIND_PW: 'a "b" #c', MYSQL_USER: 'u', MYSQL_PASSWORD: 'p#w' }),
  );
  assert.deepEqual(part.errors, []);
  const f = plannedFile(part, PASSDBS);
  assert.deepEqual([f?.mode, f?.owner, f?.group], [0o640, 'root', 'dovecot'], 'it holds the LDAP and SQL passwords');
  const p = String(f?.content);
  assert.deepEqual(
    [...p.matchAll(/^passdb (\S+) \{/gm)].map((m) => m[1]),
    ['guard-deny', 'passwd-file', 'ldap', 'sql', 'imap'],
  );
  // The guard's files are keyed by the client address's MD5 in hex, as under 2.3: the same files serve both.
  assert.match(p, /passwd_file_path = \/r\/etc\/dovecot\/mta-guard\/%\{remote_ip \| md5 \| hexlify \| substr\(0, 2\)\}\n/);
  assert.match(p, /auth_username_format = %\{remote_ip \| md5 \| hexlify\}\n {2}deny = yes\n/);
  assert.match(p, /passwd_file_path = \/r\/etc\/dovecot\/passwd\n {2}auth_username_format = %\{protocol\}\/%\{user\}\n/);
  for (const line of [
    '  ldap_uris = ldap://auth:389',
    '  ldap_auth_dn = cn=reader,dc=example,dc=com',
    '  ldap_auth_dn_password = "a \\"b\\" #c"',
    '  bind = yes',
    '  filter = "(&(objectclass=posixAccount)(uid=%{user}))"',
    '    user = %{ldap:uid}',
    '  sql_driver = mysql',
    '  mysql db {',
    '    mysql_port = 3307',
    '    mysql_password = "p#w"',
    `  query = "select user, password from users where user='%{user}'"`,
    '  imapc_host = app',
    '  imapc_port = 1143',
  ])
    assert.ok(p.split('\n').includes(line), `${line} in\n${p}`);
  // 2.3's args files go, so no stale password is left next to the 2.4 configuration; and the other way round.
  assert.deepEqual(part.remove, ['/r/etc/dovecot/dovecot-ldap.conf.ext', '/r/etc/dovecot/dovecot-sql.conf.ext']);
  assert.equal(plannedFile(part, '/r/etc/dovecot/dovecot-ldap.conf.ext'), undefined);
  assert.deepEqual(renderDovecot(ctx(ALL, BOOKWORM)).remove, [PASSDBS]);
});

test('2.4: an operator value in 2.3 variable syntax is carried over, one 2.4 cannot say is an error naming it', () => {
  const ok = text(renderDovecot(ctx({ ...LDAP, LDAP_QUERY_FILTER_PASS: '(&(uid=%n)(o=%d))' })), PASSDBS);
  assert.match(ok, /filter = "\(&\(uid=%\{user \| username\}\)\(o=%\{user \| domain\}\)\)"/);
  const bad = renderDovecot(ctx({ ...MYSQL, MYSQL_QUERY_PASS: "select password from u where h='%2Mu'" }));
  assert.deepEqual(
    bad.errors?.map((e) => e.variable),
    ['MYSQL_QUERY_PASS'],
  );
});

test('2.4 TLS include: ssl_server_cert_file/ssl_server_key_file with the paths, or ssl = no', () => {
  const tls = (env: RawEnv) => text(renderDovecot(ctx(env)), '/r/etc/dovecot/conf.d/99-mta-tls.conf');
  assert.match(
    tls({ SMTPD_TLS_CERT_FILE: '/c.pem', SMTPD_TLS_KEY_FILE: '/k.pem' }),
    /^ssl = yes\nssl_server_cert_file = \/c\.pem\nssl_server_key_file = \/k\.pem\n$/m,
  );
  assert.match(tls({}), /^ssl = no$/m);
});

test('2.4 DOVECOT_*: renamed 2.3 settings carried over where the meaning is the same, else an error naming the 2.4 one', () => {
  const known = ['auth_allow_cleartext', 'ssl_server_cert_file', 'auth_username_format', 'mail_driver', 'mail_path', 'login_greeting'];
  const part = renderDovecot(
    ctx(
      {
        DOVECOT_DISABLE_PLAINTEXT_AUTH: 'no',
        DOVECOT_SSL_CERT: '</etc/c.pem',
        DOVECOT_SSL_PREFER_SERVER_CIPHERS: 'yes',
        DOVECOT_AUTH_USERNAME_FORMAT: '%Ln',
        DOVECOT_MAIL_LOCATION: 'maildir:~/Maildir',
        DOVECOT_LOGIN_GREETING: 'hi',
      },
      TRIXIE,
      known,
    ),
  );
  assert.deepEqual(part.errors, []);
  assert.equal(
    text(part, '/r/etc/dovecot/conf.d/90-mta-env.conf'),
    [
      'auth_username_format = "%{user | username | lower}"',
      'auth_allow_cleartext = yes',
      'login_greeting = hi',
      'mail_driver = maildir',
      'mail_path = "~/Maildir"',
      'ssl_server_cert_file = /etc/c.pem',
      'ssl_server_prefer_ciphers = server',
      '',
    ].join('\n'),
  );
  assert.ok(part.warnings?.some((w) => w.startsWith('DOVECOT_DISABLE_PLAINTEXT_AUTH -> auth_allow_cleartext')));
  const refused = renderDovecot(
    ctx({ DOVECOT_SSL_KEY: '-----BEGIN PRIVATE KEY-----', DOVECOT_MAIL_LOCATION: 'mdbox:~/m:INDEX=/x' }, TRIXIE, known),
  );
  assert.deepEqual(
    refused.errors?.map((e) => `${e.variable}: ${e.message.split(', and')[0]}`),
    [
      'DOVECOT_MAIL_LOCATION: Dovecot 2.4 has no mail_location: it is mail_driver and mail_path there',
      'DOVECOT_SSL_KEY: Dovecot 2.4 has no ssl_key: it is ssl_server_key_file there',
    ],
  );
  // On 2.3 the same names are dovecot's own.
  const on23 = renderDovecot(ctx({ DOVECOT_DISABLE_PLAINTEXT_AUTH: 'no' }, BOOKWORM, ['disable_plaintext_auth']));
  assert.equal(text(on23, '/r/etc/dovecot/conf.d/90-mta-env.conf'), 'disable_plaintext_auth = no\n');
});

test('2.3 variables to 2.4: short and long names, case filters, %%, and what has no equivalent', () => {
  const ok = (v: string) => {
    const r = toDovecot24Vars(v);
    assert.ok(r.ok, `${v}: ${r.ok ? '' : r.reason}`);
    return r.value;
  };
  assert.equal(ok("user='%u'"), "user='%{user}'");
  assert.equal(ok('%Ln@%Ld'), '%{user | username | lower}@%{user | domain | lower}');
  assert.equal(ok('%{service}/%{rip} %L{user}'), '%{protocol}/%{remote_ip} %{user | lower}');
  assert.equal(ok('100%% %{user | lower}'), '100%% %{user | lower}', '2.4 syntax stays');
  assert.equal(ok('plain'), 'plain');
  for (const bad of ['%2Mu', '%Mu', '%{if;%d;eq;;x;%d}', '50%']) assert.equal(toDovecot24Vars(bad).ok, false, bad);
});
