import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import { memoryLogger, prepareSeedRoot, seededPostfix, testInstanceEnv } from '../harness/index.ts';
import { seedFixture, seedProcess, snapshot } from './snapshot.ts';

const { freshRoot, onCleanup } = seedFixture();

const baseEnv = (root: string) => ({
  ...testInstanceEnv(root),
  MAIL_DOMAIN: 'example.com',
  MAIL_BOXES: 'info@example.com abuse@example.com',
  MAIL_ALIASES: 'root:info postmaster:root',
  SMTP_RELAY_HOSTAUTH: '[127.0.0.1]:2525 user:relaypass',
});
const seed = (root: string, env: Record<string, string>) => runSeed({ env, root, variant: 'full', log: memoryLogger([]) });

test('FORCE_CONFIG re-renders from pristine: relayhost and the SASL map disappear with SMTP_RELAY_HOSTAUTH', async () => {
  const m = await seededPostfix({ env: { MAIL_DOMAIN: 'example.com', SMTP_RELAY_HOSTAUTH: '[127.0.0.1]:2525 user:relaypass' } });
  onCleanup(m.stop);
  assert.equal(m.postfix.postconf('-h', 'relayhost').trim(), '[127.0.0.1]:2525');
  // Locked: a changed environment is ignored, exactly like the seed.
  assert.equal((await m.reseed({ MAIL_DOMAIN: 'example.com' })).status, 'skipped');
  assert.equal(m.postfix.postconf('-h', 'relayhost').trim(), '[127.0.0.1]:2525');
  const r = await m.reseed({ MAIL_DOMAIN: 'example.com', FORCE_CONFIG: 'OVERWRITE' });
  assert.equal(r.status, 'applied');
  assert.equal(m.postfix.postconf('-h', 'relayhost').trim(), '');
  assert.equal(m.postfix.postconf('-h', 'smtp_sasl_password_maps').trim(), '');
  assert.equal(m.postfix.postconf('-h', 'smtp_sasl_auth_enable').trim(), 'no');
  // The password file went with it.
  assert.equal(existsSync(join(m.paths.postfixConf, 'sasl_passwd')), false);
  assert.equal(existsSync(join(m.paths.postfixConf, 'sasl_passwd.db')), false);
});

test('the unlock file is removed after success; running again changes nothing (mtimes equal), forced or not', async () => {
  const root = await freshRoot();
  const unlock = join(root, 'srv/etc/.docker.unlock');
  assert.equal((await seed(root, baseEnv(root))).status, 'applied');
  assert.equal(existsSync(unlock), false);
  const first = snapshot(root);
  assert.ok(first.has('etc/postfix/main.cf') && first.has('etc/postfix/virtual_mailbox.db'));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal((await seed(root, baseEnv(root))).status, 'skipped');
  assert.deepEqual(snapshot(root), first);
  const forced = await seed(root, { ...baseEnv(root), FORCE_CONFIG: 'yes' });
  assert.deepEqual([forced.status, forced.changed], ['applied', []]);
  assert.deepEqual(snapshot(root), first);
});

test('an invalid variable: exit 1, every error listed, previous config byte-identical, unlock file kept', async () => {
  const root = await freshRoot();
  assert.equal((await seed(root, baseEnv(root))).status, 'applied');
  prepareSeedRoot(root);
  const before = snapshot(root);
  const p = await seedProcess(root, {
    ...baseEnv(root),
    MESSAGE_SIZE_LIMIT: 'ten megabytes',
    MAIL_BOXES: 'info@example.com not-an-address',
    SMTP_TLS_SECURITY_LEVEL: 'sometimes',
    SYSLOG_LEVEL: '9',
  });
  assert.equal(p.code, 1, p.stderr);
  for (const v of ['MESSAGE_SIZE_LIMIT', 'MAIL_BOXES', 'SMTP_TLS_SECURITY_LEVEL', 'SYSLOG_LEVEL'])
    assert.match(p.stderr, new RegExp(`seed: ${v}: `));
  assert.doesNotMatch(p.stderr + p.stdout, /relaypass/);
  assert.deepEqual(snapshot(root), before);
  assert.ok(existsSync(join(root, 'srv/etc/.docker.unlock')));
  // A value postfix itself refuses is caught by the staged validation, with nothing written either.
  const bad = await seed(root, { ...baseEnv(root), FORCE_CONFIG: 'yes', DEFAULT_PROCESS_LIMIT: 'lots' });
  assert.equal(bad.status, 'invalid');
  assert.match(bad.failure ?? '', /default_process_limit/);
  assert.deepEqual(snapshot(root), before);
});
