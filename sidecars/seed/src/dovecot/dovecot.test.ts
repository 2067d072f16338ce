import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnv, type RawEnv, type Variant } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';
import { plannedFile, testContext } from '../testing.ts';
import { ldapPassFilter } from './ldap.ts';
import { passesToDovecot } from './passthrough.ts';
import { dq } from './quote.ts';
import { renderDovecot } from './render.ts';
import { saslMethods } from './sasl.ts';
import { ALL, LDAP, MYSQL } from './sasl-env.test-helper.ts';

// The renderer's context with a primary domain, as every case here needs one.
const ctx = (env: RawEnv, variant: Variant = 'full', dovecotParams: string[] = []): RenderContext =>
  testContext({ MAIL_DOMAIN: 'example.com', ...env }, { variant, dovecotParams: new Set(dovecotParams) });

const text = (part: PlanPart, path: string) => {
  const f = plannedFile(part, path);
  assert.ok(f, `${path} planned`);
  return String(f.content);
};

test('methods are active only with their variables, in the order file, LDAP, SQL, IMAP', () => {
  assert.deepEqual(saslMethods(ctx({}).config), []);
  assert.deepEqual(saslMethods(ctx(ALL).config), ['passwd-file', 'ldap', 'sql', 'imap']);
  assert.deepEqual(saslMethods(ctx({ SMTPD_SASL_IMAPHOST: 'app' }).config), ['imap']);
  // LDAP lookups alone are no SASL method.
  assert.deepEqual(saslMethods(ctx({ ...LDAP, LDAP_QUERY_ATTRS_PASS: undefined }).config), []);
  const conf = text(renderDovecot(ctx(ALL)), '/r/etc/dovecot/dovecot.conf');
  assert.deepEqual(
    [...conf.matchAll(/driver = (passwd-file|ldap|sql|imap)/g)].map((m) => m[1]),
    ['passwd-file', 'passwd-file', 'ldap', 'sql', 'imap'],
  );
  // The guard's deny list comes first, keyed by the client address.
  assert.match(
    conf,
    /^passdb \{\n {2}driver = passwd-file\n {2}args = username_format=%M\{rip\} \/r\/etc\/dovecot\/mta-guard\/%2M\{rip\}\n {2}deny = yes\n\}/m,
  );
  assert.match(conf, /args = host=app port=1143/);
});

test('submission and smtps exist only with a method: TLS required, AUTH only after TLS, relay only when authenticated', () => {
  assert.deepEqual(renderDovecot(ctx({})).master, []);
  const master = renderDovecot(ctx({ SMTPD_SASL_CLIENTAUTH: 'c1:{plain}p1', SMTPD_USE_TLS: 'yes' })).master ?? [];
  assert.deepEqual(
    master.map((m) => `${m.service}/${m.type}`),
    ['submission/inet', 'smtps/inet'],
  );
  for (const m of master) {
    for (const o of [
      'smtpd_tls_auth_only=yes',
      'smtpd_sasl_auth_enable=yes',
      'smtpd_sasl_type=dovecot',
      'smtpd_relay_restrictions=permit_sasl_authenticated,reject',
    ])
      assert.ok(m.entry.includes(`-o ${o}`), `${m.service}: ${o}`);
  }
  assert.ok(master[1]?.entry.includes('-o smtpd_tls_wrappermode=yes'));
  assert.ok(!master[0]?.entry.includes('wrappermode'));
});

test('SASL without certificate files uses the self-signed one: AUTH and IMAP logins never go without TLS', () => {
  const part = renderDovecot(ctx({ SMTPD_SASL_CLIENTAUTH: 'c1:{plain}p1' }));
  assert.deepEqual(part.errors, []);
  assert.match(text(part, '/r/etc/dovecot/conf.d/99-mta-tls.conf'), /^ssl = yes\nssl_cert = <\/r\/srv\/etc\/ssl\/self\/cert\.pem$/m);
  const conf = text(part, '/r/etc/dovecot/dovecot.conf');
  for (const line of ['ssl_min_protocol = TLSv1.2', 'ssl_prefer_server_ciphers = yes', 'disable_plaintext_auth = yes'])
    assert.ok(conf.split('\n').includes(line), line);
  assert.match(conf, /^ssl_cipher_list = ECDHE\+AESGCM:ECDHE\+CHACHA20:!aNULL/m);
});

test('LDAP pass filter: given, or rebuilt from the mailbox filter, or a clear error', () => {
  assert.equal(ldapPassFilter(ctx(LDAP).config), '(&(objectclass=posixAccount)(uid=%u))');
  assert.equal(ldapPassFilter(ctx({ ...LDAP, LDAP_QUERY_FILTER_PASS: '(cn=%u)' }).config), '(cn=%u)');
  // Nothing to rebuild it from: the env rules stop the seed before any renderer runs.
  const r = parseEnv({ HOSTNAME: 'mx.example.com', ...LDAP, LDAP_QUERY_FILTER_USER: '(&(objectclass=posixAccount)(mailbox=%s))' });
  assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.variable), ['LDAP_QUERY_FILTER_PASS']);
});

test('LDAP auth-bind file: uri, bind DN for the search, quoted password, readable by dovecot only', () => {
  const part = renderDovecot(ctx({ ...LDAP, LDAP_BIND_DN: 'cn=reader,dc=example,dc=com', LDAP_BIND_PW: 'a "b" #c' }));
  const f = plannedFile(part, '/r/etc/dovecot/dovecot-ldap.conf.ext');
  assert.deepEqual([f?.mode, f?.owner, f?.group], [0o640, 'root', 'dovecot']);
  const ldap = String(f?.content);
  for (const line of [
    'uris = ldap://auth:389',
    'auth_bind = yes',
    'pass_attrs = uid=user',
    'dn = cn=reader,dc=example,dc=com',
    'dnpass = "a \\"b\\" #c"',
  ])
    assert.ok(ldap.split('\n').includes(line), `${line} in\n${ldap}`);
});

test('SQL passdb on the MYSQL_* connection; spaces in connect values are refused without echoing them', () => {
  const sql = text(renderDovecot(ctx({ ...MYSQL, MYSQL_USER: 'u', MYSQL_PASSWORD: 'p#w' })), '/r/etc/dovecot/dovecot-sql.conf.ext');
  assert.match(sql, /^connect = "host=db port=3307 dbname=postfix user=u password=p#w"$/m);
  assert.match(sql, /^password_query = "select user, password from users where user='%u'"$/m);
  const bad = parseEnv({ HOSTNAME: 'mx.example.com', ...MYSQL, MYSQL_USER: 'u', MYSQL_PASSWORD: 'two words' });
  assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.variable), ['MYSQL_PASSWORD']);
  assert.ok(!JSON.stringify(bad).includes('two words'));
});

test('password file: one line per client, secret mode; a ":" in a password or a duplicate user is an error', () => {
  const part = renderDovecot(ctx({ SMTPD_SASL_CLIENTAUTH: 'c1:{plain}p1 c2:{CRYPT}$2y$05$abc' }));
  // Keyed by service: these logins are for SMTP submission only, never IMAP/POP3.
  assert.equal(text(part, '/r/etc/dovecot/passwd'), 'smtp/c1:{plain}p1\nsmtp/c2:{CRYPT}$2y$05$abc\n');
  assert.match(text(part, '/r/etc/dovecot/dovecot.conf'), /args = scheme=CRYPT username_format=%\{service\}\/%u /);
  assert.equal(plannedFile(part, '/r/etc/dovecot/passwd')?.mode, 0o640);
  const bad = parseEnv({ HOSTNAME: 'mx.example.com', SMTPD_SASL_CLIENTAUTH: 'c1:{plain}a:b c1:{plain}x c1:{plain}y' });
  assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.message), ['the password of "c1" contains ":"; user "c1" is listed twice']);
  assert.ok(!JSON.stringify(bad).includes('a:b'));
});

test('TLS include: postfix cert files, chain files, the self-signed pair, or ssl = no', () => {
  const tls = (env: RawEnv) => text(renderDovecot(ctx(env)), '/r/etc/dovecot/conf.d/99-mta-tls.conf');
  assert.match(tls({ SMTPD_TLS_CERT_FILE: '/c.pem', SMTPD_TLS_KEY_FILE: '/k.pem' }), /^ssl_cert = <\/c\.pem\nssl_key = <\/k\.pem$/m);
  assert.match(tls({ SMTPD_TLS_CHAIN_FILES: '/k.pem,/chain.pem' }), /^ssl_cert = <\/chain\.pem\nssl_key = <\/k\.pem$/m);
  assert.match(
    tls({ SMTPD_USE_TLS: 'yes' }),
    /^ssl_cert = <\/r\/srv\/etc\/ssl\/self\/cert\.pem\nssl_key = <\/r\/srv\/etc\/ssl\/self\/key\.pem$/m,
  );
  assert.match(tls({}), /^ssl = no$/m);
});

test('LMTP and IMAP/POP3 only when dovecot takes delivery; sockets in the postfix queue', () => {
  const conf = (env: RawEnv) => text(renderDovecot(ctx(env)), '/r/etc/dovecot/dovecot.conf');
  const lmtp = conf({ VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' });
  assert.match(lmtp, /^protocols = imap pop3 lmtp$/m);
  assert.match(lmtp, /unix_listener \/r\/var\/spool\/postfix\/private\/transport \{/);
  assert.match(lmtp, /home=\/r\/var\/mail\/%\{if;%d;eq;;example\.com;%d\}\/%n /, 'one home per address: the domain is part of it');
  const saslOnly = conf({ VIRTUAL_TRANSPORT: 'lmtp:app:2003' });
  assert.match(saslOnly, /^protocols = $/m);
  assert.match(saslOnly, /unix_listener \/r\/var\/spool\/postfix\/private\/auth \{/);
  assert.doesNotMatch(saslOnly, /private\/transport/);
  // The packaged conf.d snippets (PAM passdb, mbox mail_location) stay out.
  assert.match(saslOnly, /^!include_try \/r\/etc\/dovecot\/conf\.d\/\*-mta-\*\.conf$/m);
});

test('DOVECOT_* pass-through: known settings applied (quoted when needed), unknown ones warned about', () => {
  const part = renderDovecot(
    ctx({ DOVECOT_AUTH_USERNAME_FORMAT: '%Ln', DOVECOT_LOGIN_GREETING: 'hi # there', DOVECOT_NO_SUCH: 'x' }, 'full', [
      'auth_username_format',
      'login_greeting',
    ]),
  );
  assert.equal(text(part, '/r/etc/dovecot/conf.d/90-mta-env.conf'), 'auth_username_format = %Ln\nlogin_greeting = "hi # there"\n');
  assert.ok(part.warnings?.some((w) => w.startsWith('DOVECOT_NO_SUCH ignored')));
  const multi = renderDovecot(ctx({ DOVECOT_LOGIN_GREETING: 'a\nb' }, 'full', ['login_greeting']));
  assert.deepEqual(
    multi.errors?.map((e) => e.variable),
    ['DOVECOT_LOGIN_GREETING'],
  );
});

test('mini image: no dovecot at all, a warning (from the env rules) when SASL was asked for', () => {
  assert.deepEqual(renderDovecot(ctx({}, 'mini')), {});
  const env = { HOSTNAME: 'mx.example.com', SMTPD_SASL_CLIENTAUTH: 'c1:{plain}p1' };
  assert.deepEqual(renderDovecot(ctx(env, 'mini')), {});
  const r = parseEnv(env, { variant: 'mini' });
  assert.ok(r.ok);
  assert.deepEqual(
    r.warnings.map((w) => `${w.variable}: ${w.message}`),
    ['SMTPD_SASL_CLIENTAUTH: ignored: SASL (ports 465 and 587) needs the base or full image, this is mini'],
  );
  assert.deepEqual(parseEnv(env, { variant: 'base' }).warnings, []);
});

test('dq quotes only what dovecot would otherwise cut or misread', () => {
  assert.equal(dq('%Ln'), '%Ln');
  assert.equal(dq(''), '""');
  assert.equal(dq('a b'), '"a b"');
  assert.equal(dq('x\\"y'), '"x\\\\\\"y"');
});

test('passesToDovecot: only a DOVECOT_* value (not a __FILE reference) needs dovecot setting names', () => {
  assert.equal(passesToDovecot({ PATH: '/bin', MAIL_DOMAIN: 'example.com' }), false);
  assert.equal(passesToDovecot({ DOVECOT_LOGIN_GREETING: 'hi' }), true);
  assert.equal(passesToDovecot({ DOVECOT_X__FILE: '/run/secrets/x', DOVECOT_Y: undefined }), false);
});
