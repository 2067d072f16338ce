import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VARS } from '@mta/shared';
import type { CliIo } from '../io.ts';
import { runCli } from '../program.ts';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { env: {}, out: (l) => out.push(l), err: (l) => err.push(l) };
  return { cli, out, err };
}

test('explain SMTP_RELAY_HOSTAUTH prints format, example and secret: yes', async () => {
  const t = io();
  assert.equal(await runCli(['config', 'explain', 'SMTP_RELAY_HOSTAUTH'], t.cli), 0);
  const all = t.out.join('\n');
  assert.match(all, /^SMTP_RELAY_HOSTAUTH \(Outgoing relay\)/);
  assert.match(all, /format: +host:port \[user:password\]/);
  assert.match(all, /example: +SMTP_RELAY_HOSTAUTH=\[smtp\.relay\.example\]:587 user:secret/);
  assert.match(all, /secret: +yes/);
  assert.ok(!all.includes('`'), 'no markdown in the terminal');
});

test('explain accepts lowercase names and the __FILE form', async () => {
  const t = io();
  assert.equal(await runCli(['config', 'explain', 'ldap_bind_pw__file'], t.cli), 0);
  assert.match(t.out[0] ?? '', /^LDAP_BIND_PW /);
});

test('explain without argument lists every variable under its topic', async () => {
  const t = io();
  assert.equal(await runCli(['config', 'explain'], t.cli), 0);
  const all = t.out.join('\n');
  for (const name of Object.keys(VARS)) assert.match(all, new RegExp(`^  ${name} `, 'm'), name);
  assert.ok(all.indexOf('Outgoing relay:') < all.indexOf('  SMTP_RELAY_HOSTAUTH'));
  assert.ok(all.indexOf('  SMTP_RELAY_HOSTAUTH') < all.indexOf('Incoming TLS:'));
});

test('an unknown name exits 1 with suggestions', async () => {
  const t = io();
  assert.equal(await runCli(['config', 'explain', 'SMTP_RELAYHOST'], t.cli), 1);
  assert.match(t.err.join('\n'), /unknown variable "SMTP_RELAYHOST"\ndid you mean: .*SMTP_RELAY_HOSTAUTH/);
  assert.deepEqual(t.out, []);
});

test('DOVECOT_* names get the pass-through rule', async () => {
  const t = io();
  assert.equal(await runCli(['config', 'explain', 'DOVECOT_AUTH_USERNAME_FORMAT'], t.cli), 0);
  assert.match(t.out.join('\n'), /doveconf/);
});
