import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bus } from './bus.ts';
import { freePort } from './net.ts';

test('without a server, publish returns at once and never throws', async () => {
  const bus = Bus.start({ servers: [`nats://127.0.0.1:${await freePort()}`], name: 't', node: 'n', maxBuffered: 10 });
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) bus.publish('mta.test', { i });
  const ms = (performance.now() - t0) / 50;
  assert.ok(ms < 10, `publish took ${ms} ms`);
  assert.equal(bus.connected, false);
  assert.equal(bus.dropped, 40);
  await bus.close();
  assert.equal(await bus.connection(), undefined);
});
