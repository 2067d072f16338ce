import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Bus } from './bus.ts';

// A port nobody listens on: bind, read the port, close.
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

test('without a server, publish returns at once and never throws', async () => {
  const bus = Bus.start({ servers: [`nats://127.0.0.1:${await deadPort()}`], name: 't', node: 'n', maxBuffered: 10 });
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) bus.publish('mta.test', { i });
  const ms = (performance.now() - t0) / 50;
  assert.ok(ms < 10, `publish took ${ms} ms`);
  assert.equal(bus.connected, false);
  assert.equal(bus.dropped, 40);
  await bus.close();
  assert.equal(await bus.connection(), undefined);
});
