import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import { eventually, fileScope, memoryLogger, seededPostfix, seedRoot, sendMail, swaks, testInstanceEnv } from '../harness/index.ts';
import { startSink } from '../harness/sink.ts';

const cleanups = fileScope();

const PASSWORD = 'relay-Secret-9f3';

test('SMTP_RELAY_HOSTAUTH: outgoing mail reaches the relay, authenticated with the given credentials', async () => {
  const relay = await startSink({ auth: { user: 'relayuser', pass: PASSWORD } });
  cleanups.defer(relay.stop);
  const mta = await seededPostfix({
    env: {
      MAIL_DOMAIN: 'example.com',
      SMTP_RELAY_HOSTAUTH: `[127.0.0.1]:${relay.port} relayuser:${PASSWORD}`,
      SMTP_TLS_SECURITY_LEVEL: 'none',
    },
  });
  cleanups.defer(mta.stop);
  const r = sendMail(mta.port, 'info@example.com', 'friend@far-away.test', 'relayed-1');
  assert.equal(r.status, 0, r.output);
  const msg = await eventually(() => relay.mails.find((m) => m.raw.includes('relayed-1')), 20_000, 'relay delivery');
  assert.equal(msg.user, 'relayuser');
  assert.deepEqual(msg.to, ['friend@far-away.test']);
  assert.equal(relay.authFailures(), 0);

  const sasl = join(mta.paths.postfixConf, 'sasl_passwd');
  assert.equal(statSync(sasl).mode & 0o777, 0o600);
  assert.equal(statSync(`${sasl}.db`).mode & 0o777, 0o600);
  assert.equal(mta.postfix.postconf('-h', 'relayhost').trim(), `[127.0.0.1]:${relay.port}`);
  // The password lives only in the 0600 map: not in main.cf, not in the seed's log.
  assert.doesNotMatch(readFileSync(join(mta.paths.postfixConf, 'main.cf'), 'utf8'), new RegExp(PASSWORD));
  assert.doesNotMatch(mta.seedLog.join(''), new RegExp(PASSWORD));
});

test('a relay that refuses the credentials gets no mail (the sink really checks AUTH)', async () => {
  const relay = await startSink({ auth: { user: 'relayuser', pass: 'another-password' } });
  cleanups.defer(relay.stop);
  const mta = await seededPostfix({
    env: { MAIL_DOMAIN: 'example.com', SMTP_RELAY_HOSTAUTH: `[127.0.0.1]:${relay.port} relayuser:${PASSWORD}` },
  });
  cleanups.defer(mta.stop);
  const r = swaks(['--server', `127.0.0.1:${mta.port}`, '--from', 'info@example.com', '--to', 'friend@far-away.test']);
  assert.equal(r.status, 0, r.output);
  await eventually(() => relay.authFailures() > 0, 20_000, 'auth attempt');
  assert.equal(relay.mails.length, 0);
});

test('SMTP_TLS_WRAPPERMODE=yes with a level below encrypt is a validation error; nothing is written', async () => {
  const dir = await seedRoot(cleanups);
  const r = await runSeed({
    env: { ...testInstanceEnv(dir), MAIL_DOMAIN: 'example.com', SMTP_TLS_WRAPPERMODE: 'yes', SMTP_TLS_SECURITY_LEVEL: 'may' },
    root: dir,
    variant: 'base',
    log: memoryLogger([]),
  });
  assert.equal(r.status, 'invalid');
  assert.ok(r.errors.some((e) => e.variable === 'SMTP_TLS_WRAPPERMODE'));
  assert.throws(() => statSync(join(dir, 'etc/postfix/main.cf')));
});

test('MYNETWORKS or TRUSTED_PROXIES covering the default gateway: one warning line each at seeding, naming the variable', async () => {
  const dir = await seedRoot(cleanups);
  const lines: string[] = [];
  const r = await runSeed({
    env: { ...testInstanceEnv(dir), MAIL_DOMAIN: 'example.com', MYNETWORKS: '127.0.0.0/8 172.18.0.0/16', TRUSTED_PROXIES: '172.18.0.0/24' },
    root: dir,
    variant: 'mini',
    log: memoryLogger(lines),
    // As /proc/net/route names it on a docker bridge.
    gateways: ['172.18.0.1'],
  });
  assert.equal(r.status, 'applied', JSON.stringify(r.errors));
  const warnings = lines.map((l) => JSON.parse(l) as { event?: string; msg: string }).filter((l) => l.event === 'seed.warning');
  assert.deepEqual(
    warnings.map((w) => w.msg.split(':')[0]),
    ['MYNETWORKS', 'TRUSTED_PROXIES'],
  );
  assert.match(warnings[0]?.msg ?? '', /^MYNETWORKS: 172\.18\.0\.0\/16 covers 172\.18\.0\.1, this container's default gateway/);
  // The relay trust is what the operator asked for: a warning, not a refusal.
  assert.match(readFileSync(join(dir, 'etc/postfix/main.cf'), 'utf8'), /^mynetworks = 127\.0\.0\.0\/8 172\.18\.0\.0\/16$/m);
});
