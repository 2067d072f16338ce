import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CliIo } from './io.ts';
import { runCli } from './program.ts';

function io(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { env, out: (l) => out.push(l), err: (l) => err.push(l) };
  return { cli, out, err };
}

test('config check prints one error per bad variable and exits 1', async () => {
  const t = io({ HOSTNAME: 'mx.example.com', MAIL_BOXES: 'info@', MESSAGE_SIZE_LIMIT: 'ten', LOG_LEVEL: 'lots' });
  assert.equal(await runCli(['config', 'check'], t.cli), 1);
  assert.deepEqual(t.err.slice(0, 3), [
    'MAIL_BOXES: "info@" is not an email address',
    'MESSAGE_SIZE_LIMIT: "ten" is not a non-negative integer (bytes)',
    'LOG_LEVEL: "lots" must be an integer from 0 to 5',
  ]);
  assert.equal(t.err[3], '3 configuration errors');
});

test('config check of a valid env exits 0 and prints nothing secret', async () => {
  const env = {
    HOSTNAME: 'mx.example.com',
    LDAP_HOST: 'auth',
    LDAP_USER_BASE: 'ou=users,dc=example,dc=com',
    LDAP_QUERY_FILTER_USER: '(mail=%s)',
    LDAP_BIND_DN: 'cn=reader,dc=example,dc=com',
    LDAP_BIND_PW: 'hunter2',
    SMTP_RELAY_HOSTAUTH: 'relay:587 u:hunter3',
  };
  const t = io(env);
  assert.equal(await runCli(['config', 'check', '--variant', 'full'], t.cli), 0);
  const all = [...t.out, ...t.err].join('\n');
  assert.ok(!all.includes('hunter2') && !all.includes('hunter3'));
  assert.match(all, /configuration ok \(full\): mailboxes; domains example\.com/);
});

test('config check refuses what the seed refuses: a lone LDAP_BIND_PW', async () => {
  const t = io({ HOSTNAME: 'mx.example.com', LDAP_BIND_PW: 'hunter2' });
  assert.equal(await runCli(['config', 'check', '--variant', 'mini'], t.cli), 1);
  assert.deepEqual(t.err, [
    'LDAP_HOST: required when LDAP_BIND_PW is set',
    'LDAP_BIND_DN: required when LDAP_BIND_PW is set',
    '2 configuration errors',
  ]);
});

test('config check: a bare environment is a relay; warnings do not fail it', async () => {
  const t = io({ HOSTNAME: 'c0ffee', LOG_LEVEL: '6', SMTPD_SASL_CLIENTAUTH: 'a:{plain}b' });
  assert.equal(await runCli(['config', 'check', '--variant', 'mini'], t.cli), 0);
  assert.deepEqual(t.out, ['configuration ok (mini): relay only (no mailbox source); domains none']);
  assert.deepEqual(t.err, [
    'warning: LOG_LEVEL: 6 is taken as 5: amavis logs nothing above level 5',
    'warning: SMTPD_SASL_CLIENTAUTH: ignored: SASL (ports 465 and 587) needs the base or full image, this is mini',
  ]);
});

test('--version prints the package version', async () => {
  const t = io({});
  assert.equal(await runCli(['--version'], t.cli), 0);
  assert.match(t.out.join(''), /^\d+\.\d+\.\d+$/);
});
