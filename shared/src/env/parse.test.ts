import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { formatIssue, parseEnv } from './parse.ts';
import { isSecretName, redactedEnv } from './redact.ts';
import { secretValues } from './secrets.ts';

const base = { HOSTNAME: 'mx1.example.com' };
const errorsOf = (env: Record<string, string>) => {
  const r = parseEnv(
    { ...base, ...env },
    {
      read: () => {
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      },
    },
  );
  return r.ok ? [] : r.errors.map(formatIssue);
};

test('defaults follow the seed README', () => {
  const r = parseEnv(base);
  assert.ok(r.ok);
  const c = r.config;
  assert.deepEqual(c.MAIL_DOMAIN, ['example.com']);
  assert.equal(c.MESSAGE_SIZE_LIMIT, 10240000);
  assert.equal(c.SYSLOG_LEVEL, 5);
  assert.equal(c.LOG_LEVEL, 0);
  assert.equal(c.FINAL_VIRUS_DESTINY, 'D_DISCARD');
  assert.equal(c.FINAL_SPAM_DESTINY, 'D_PASS');
  assert.equal(c.SA_TAG2_LEVEL_DEFLT, 6.2);
  assert.equal(c.SA_KILL_LEVEL_DEFLT, 6.9);
  assert.equal(c.DKIM_SELECTOR, 'default');
  assert.equal(c.DKIM_KEYBITS, 2048);
  assert.equal(c.ACME_FILE, '/acme/acme.json');
  assert.equal(c.ACME_POSTHOOK, 'postfix reload');
  assert.equal(c.DOCKER_UNLOCK_FILE, '/srv/etc/.docker.unlock');
  assert.equal(c.KOPANO_SPAMD_LIB, '/var/lib/kopano/spamd');
  assert.equal(c.SMTP_TLS_SECURITY_LEVEL, 'may');
  assert.equal(c.SMTP_TLS_WRAPPERMODE, false);
  assert.equal(c.MTA_NODE, 'mx1.example.com');
});

test('the three bad variables of the acceptance example give one error each', () => {
  const errs = errorsOf({ MAIL_BOXES: 'info@', MESSAGE_SIZE_LIMIT: 'ten', LOG_LEVEL: 'lots' });
  assert.deepEqual(errs, [
    'MAIL_BOXES: "info@" is not an email address',
    'MESSAGE_SIZE_LIMIT: "ten" is not a non-negative integer (bytes)',
    'LOG_LEVEL: "lots" must be an integer from 0 to 5',
  ]);
});

test('values the seed accepted are taken at their nearest meaning, with a warning; what it broke on stays an error', () => {
  const r = parseEnv({ ...base, LOG_LEVEL: '6', SYSLOG_LEVEL: '8', SA_DEBUG: '2' });
  assert.ok(r.ok);
  assert.equal(r.config.LOG_LEVEL, 5);
  assert.equal(r.config.SYSLOG_LEVEL, 7);
  assert.equal(r.config.SA_DEBUG, 1);
  assert.deepEqual(r.warnings.map(formatIssue), [
    'SA_DEBUG: 2 is taken as 1 (debug on)',
    'SYSLOG_LEVEL: 8 is taken as 7: there is no level above 7 (debug)',
    'LOG_LEVEL: 6 is taken as 5: amavis logs nothing above level 5',
  ]);
  const plain = parseEnv({ ...base, LOG_LEVEL: '5', SYSLOG_LEVEL: '7', SA_DEBUG: '0' });
  assert.ok(plain.ok);
  assert.deepEqual(plain.warnings, []);
  assert.deepEqual(errorsOf({ SYSLOG_LEVEL: '9', LOG_LEVEL: '-1', SA_DEBUG: 'x' }), [
    'SA_DEBUG: "x" is not 0 or 1',
    'SYSLOG_LEVEL: "9" must be an integer from 0 to 7',
    'LOG_LEVEL: "-1" must be an integer from 0 to 5',
  ]);
});

test('a bare start is a plain relay: no domain needed until a mailbox source asks for one', () => {
  const bare = parseEnv({ HOSTNAME: 'a1b2c3' });
  assert.ok(bare.ok);
  assert.equal(bare.config.MAIL_DOMAIN, undefined);
  const boxes = parseEnv({ HOSTNAME: 'a1b2c3', MAIL_BOXES: 'info@example.com' });
  assert.ok(!boxes.ok);
  assert.deepEqual(boxes.errors.map(formatIssue), [
    'MAIL_DOMAIN: not set and the host name has no domain part; MAIL_BOXES needs one: set MAIL_DOMAIN or --hostname mx.example.com',
  ]);
  assert.ok(parseEnv({ HOSTNAME: 'a1b2c3', MAIL_ALIASES: 'root@example.com:info@example.com' }).ok, 'full addresses need no domain');
  assert.ok(!parseEnv({ HOSTNAME: 'a1b2c3', MAIL_ALIASES: 'root:info' }).ok, 'a bare local part needs the primary domain');
});

test('lists parse: domains, mailboxes with paths, aliases', () => {
  const r = parseEnv({
    ...base,
    MAIL_DOMAIN: 'Example.com, second.org',
    MAIL_BOXES: 'info@example.com bob@example.com:bob/',
    MAIL_ALIASES: 'root:info,info@example.com postmaster:root',
  });
  assert.ok(r.ok);
  assert.deepEqual(r.config.MAIL_DOMAIN, ['example.com', 'second.org']);
  assert.deepEqual([...r.config.MAIL_BOXES], [{ address: 'info@example.com' }, { address: 'bob@example.com', path: 'bob/' }]);
  assert.deepEqual([...r.config.MAIL_ALIASES][0], { alias: 'root', targets: ['info', 'info@example.com'] });
});

test('empty values fall back to defaults except where empty means off', () => {
  const r = parseEnv({ ...base, SYSLOG_LEVEL: '', ACME_POSTHOOK: '' });
  assert.ok(r.ok);
  assert.equal(r.config.SYSLOG_LEVEL, 5);
  assert.equal(r.config.ACME_POSTHOOK, '');
});

test('X__FILE supplies secrets; both forms or an unreadable file are errors', () => {
  const files: Record<string, string> = { '/run/secrets/pw': 'hunter2\n' };
  const read = (p: string) => {
    const v = files[p];
    if (v === undefined) throw Object.assign(new Error('x'), { code: 'ENOENT' });
    return v;
  };
  const ldap = { LDAP_HOST: 'auth', LDAP_USER_BASE: 'dc=x', LDAP_QUERY_FILTER_USER: '(mail=%s)', LDAP_BIND_DN: 'cn=admin,dc=x' };
  const ok = parseEnv({ ...base, ...ldap, LDAP_BIND_PW__FILE: '/run/secrets/pw' }, { read });
  assert.ok(ok.ok);
  assert.equal(ok.config.LDAP_BIND_PW, 'hunter2');
  const bad = parseEnv({ ...base, LDAP_BIND_PW: 'x', LDAP_BIND_PW__FILE: '/run/secrets/pw', MYSQL_PASSWORD__FILE: '/nope' }, { read });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.errors.map(formatIssue), [
    'LDAP_BIND_PW__FILE: both LDAP_BIND_PW and LDAP_BIND_PW__FILE are set; give only one',
    'MYSQL_PASSWORD__FILE: cannot read "/nope" (ENOENT); expected a readable file',
  ]);
});

test('cross checks: wrapper mode needs encrypt; each LDAP use needs its own variables only', () => {
  const errs = errorsOf({ SMTP_TLS_WRAPPERMODE: 'yes', LDAP_HOST: 'auth' });
  assert.deepEqual(errs, [
    'SMTP_TLS_WRAPPERMODE: yes requires SMTP_TLS_SECURITY_LEVEL=encrypt or stronger',
    'LDAP_HOST: set, but nothing uses it: set LDAP_QUERY_FILTER_USER, LDAP_QUERY_FILTER_ALIAS, LDAP_QUERY_FILTER_GROUP, LDAP_QUERY_FILTER_EXPAND or LDAP_QUERY_ATTRS_PASS (mailbox, alias or group lookups, or LDAP SASL), or remove it',
  ]);
  assert.deepEqual(errorsOf({ SMTP_TLS_WRAPPERMODE: 'yes', SMTP_TLS_SECURITY_LEVEL: 'encrypt' }), []);
  // The seed's LDAP-for-SASL-only client: no mailbox filter needed.
  const sasl = { LDAP_HOST: 'auth', LDAP_USER_BASE: 'ou=users,dc=x', LDAP_QUERY_ATTRS_PASS: 'uid=user' };
  assert.deepEqual(errorsOf({ ...sasl, LDAP_QUERY_FILTER_PASS: '(&(objectclass=inetOrgPerson)(uid=%u))' }), []);
  assert.deepEqual(errorsOf(sasl), [
    'LDAP_QUERY_FILTER_PASS: required when LDAP_QUERY_ATTRS_PASS is set: LDAP_QUERY_FILTER_USER is not set to derive it from (e.g. (&(objectclass=posixAccount)(uid=%u)))',
  ]);
  assert.deepEqual(errorsOf({ LDAP_BIND_PW: 'hunter2' }), [
    'LDAP_HOST: required when LDAP_BIND_PW is set',
    'LDAP_BIND_DN: required when LDAP_BIND_PW is set',
  ]);
});

test('LDAP_HOST accepts the three seed forms', () => {
  for (const [raw, url] of [
    ['auth', 'ldap://auth'],
    ['auth:389', 'ldap://auth:389'],
    ['ldap://ldap.example.com:1444', 'ldap://ldap.example.com:1444'],
  ]) {
    const r = parseEnv({ ...base, LDAP_HOST: raw as string, LDAP_USER_BASE: 'dc=x', LDAP_QUERY_FILTER_USER: '(mail=%s)' });
    assert.ok(r.ok, raw);
    assert.equal(r.config.LDAP_HOST, url);
  }
});

test('secret values never appear in errors or in the redacted view', () => {
  const errs = errorsOf({ SMTP_RELAY_HOSTAUTH: 'relay:587 user:hunter2 extra', DKIM_PRIVATEKEY: 'hunter2-not-a-key' });
  assert.equal(errs.length, 2);
  for (const e of errs) assert.ok(!e.includes('hunter2'), e);
  const view = redactedEnv({ LDAP_BIND_PW: 'hunter2', MAIL_DOMAIN: 'example.com' });
  assert.deepEqual(view, { LDAP_BIND_PW: '[redacted]', MAIL_DOMAIN: 'example.com' });
});

test('DKIM_PRIVATEKEY accepts armoured, bare, PKCS#1 and PKCS#8 keys', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const bare = pkcs1.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
  for (const k of [pkcs1, pkcs8, bare, pkcs1.replace(/\n/g, ' ')]) {
    const r = parseEnv({ ...base, DKIM_PRIVATEKEY: k });
    assert.ok(r.ok);
    assert.equal(r.config.DKIM_PRIVATEKEY, pkcs1);
  }
});

test('secret values: declared secrets, X__FILE contents, and the credentials inside NATS_URL', () => {
  const read = (p: string) => (p === '/run/secrets/pw' ? 'from-a-file\n' : '');
  const values = secretValues(
    {
      LDAP_BIND_PW__FILE: '/run/secrets/pw',
      NATS_URL: 'nats://mx1:nats-pw-1@nats1:4222,tls://tok3n-value@nats2:4222',
      MAIL_DOMAIN: 'example.com',
    },
    read,
  );
  assert.deepEqual(values.sort(), ['from-a-file', 'mx1:nats-pw-1', 'nats-pw-1', 'tok3n-value']);
  assert.ok(isSecretName('LDAP_BIND_PW__FILE'));
  assert.ok(!isSecretName('SOME_OTHER_PASSWORD'), 'secret names come from the specs alone');
});
