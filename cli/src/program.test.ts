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
  const t = io({ HOSTNAME: 'mx.example.com', MAIL_BOXES: 'info@', MESSAGE_SIZE_LIMIT: 'ten', LOG_LEVEL: '9' });
  assert.equal(await runCli(['config', 'check'], t.cli), 1);
  assert.deepEqual(t.err.slice(0, 3), [
    'MAIL_BOXES: "info@" is not an email address',
    'MESSAGE_SIZE_LIMIT: "ten" is not a non-negative integer (bytes)',
    'LOG_LEVEL: "9" must be an integer from 0 to 5',
  ]);
  assert.equal(t.err[3], '3 configuration errors');
});

test('config check of a valid env exits 0 and prints nothing secret', async () => {
  const t = io({ HOSTNAME: 'mx.example.com', LDAP_BIND_PW: 'hunter2', SMTP_RELAY_HOSTAUTH: 'relay:587 u:hunter3' });
  assert.equal(await runCli(['config', 'check'], t.cli), 0);
  const all = [...t.out, ...t.err].join('\n');
  assert.ok(!all.includes('hunter2') && !all.includes('hunter3'));
  assert.match(all, /configuration ok: domains example\.com/);
});

test('--version prints the package version', async () => {
  const t = io({});
  assert.equal(await runCli(['--version'], t.cli), 0);
  assert.match(t.out.join(''), /^\d+\.\d+\.\d+$/);
});
