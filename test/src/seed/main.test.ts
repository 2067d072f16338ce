import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Bus } from '@mta/shared';
import { eventually, fileScope, seedRoot, startNats, testInstanceEnv } from '../harness/index.ts';
import { seedProcess } from './snapshot.ts';

const cleanups = fileScope();

test('the seed process announces mta.seed.done / mta.seed.failed on the bus, without secrets', async () => {
  const nats = cleanups.keep(await startNats());
  const bus = Bus.start({ servers: [nats.url], name: 'test', node: 'test' });
  cleanups.defer(() => bus.close());
  const got: { subject: string; data: Record<string, unknown> }[] = [];
  bus.subscribe('mta.seed.>', (data, subject) => got.push({ subject, data }));
  await bus.connection();

  const dir = await seedRoot(cleanups);
  mkdirSync(join(dir, 'tmp'));
  const env = {
    ...testInstanceEnv(dir),
    MAIL_DOMAIN: 'example.com example.net',
    SMTP_RELAY_HOSTAUTH: '[127.0.0.1]:2525 u:bus-secret-77',
    NATS_URL: nats.url,
  };
  const ok = await seedProcess(dir, env);
  assert.equal(ok.code, 0, ok.stderr);
  const done = await eventually(() => got.find((g) => g.subject === 'mta.seed.done'), 10_000, 'mta.seed.done');
  assert.deepEqual(done.data.domains, ['example.com', 'example.net']);
  assert.equal(done.data.variant, 'full');
  assert.equal(done.data.status, 'applied');

  const bad = await seedProcess(dir, { ...env, FORCE_CONFIG: 'yes', MESSAGE_SIZE_LIMIT: 'huge' });
  assert.equal(bad.code, 1);
  const failed = await eventually(() => got.find((g) => g.subject === 'mta.seed.failed'), 10_000, 'mta.seed.failed');
  assert.match(String(failed.data.errors), /MESSAGE_SIZE_LIMIT/);
  const all = JSON.stringify(got) + ok.stdout + ok.stderr + bad.stdout + bad.stderr;
  assert.doesNotMatch(all, /bus-secret-77/);
});
