import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openBucket } from '@mta/shared';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type Daemon, freePort, startDaemon, tempRoot, waitForPort } from '../harness/index.ts';

// The example config shipped for fleet users must really keep key material away from the observer user.
let server: Daemon;
let port = 0;
let cleanup: () => Promise<void>;
const conns: NatsConnection[] = [];

before(async () => {
  const t = await tempRoot('mta-nats-perm-');
  cleanup = t.cleanup;
  port = await freePort();
  const conf = readFileSync(new URL('../../../examples/fleet/nats-server.conf', import.meta.url), 'utf8')
    .replace('listen: 127.0.0.1:4222', `listen: 127.0.0.1:${port}`)
    .replace('store_dir: /var/lib/nats', `store_dir: ${join(t.dir, 'js')}`);
  writeFileSync(join(t.dir, 'nats.conf'), conf);
  server = startDaemon('nats-server', ['-c', join(t.dir, 'nats.conf')]);
  await waitForPort(port);
});
after(async () => {
  for (const c of conns) await c.close().catch(() => {});
  await server.stop();
  await cleanup();
});

const login = async (user: string, pass: string) => {
  const nc = await connect({ servers: `nats://127.0.0.1:${port}`, user, pass, timeout: 2000 });
  conns.push(nc);
  return nc;
};

test('a node user can write and read the DKIM bucket', async () => {
  const kv = await openBucket(await login('mx1', 'change-me-mx1'), 'mta-dkim');
  await kv.put('example.com.default', new TextEncoder().encode('private key bytes'));
  const kv2 = await openBucket(await login('mx2', 'change-me-mx2'), 'mta-dkim');
  assert.equal(new TextDecoder().decode((await kv2.get('example.com.default'))?.value), 'private key bytes');
});

test('the observer receives events but cannot open or watch the key buckets', async () => {
  const obs = await login('observer', 'change-me-observer');
  await assert.rejects(openBucket(obs, 'mta-dkim'));
  const leaked: string[] = [];
  const errors: string[] = [];
  void (async () => {
    for await (const s of obs.status()) if (s.type === 'error') errors.push(String(s.error));
  })();
  obs.subscribe('$KV.mta-dkim.>', {
    callback: (e, m) => {
      if (e) errors.push(String(e));
      else leaked.push(m.subject);
    },
  });
  const events: string[] = [];
  obs.subscribe('mta.>', {
    callback: (_e, m) => {
      events.push(m.subject);
    },
  });
  await obs.flush();
  const node = await login('mx1', 'change-me-mx1');
  const kv = await openBucket(node, 'mta-dkim');
  await kv.put('example.com.default', new TextEncoder().encode('rotated key'));
  node.publish('mta.dkim.key.created', '{}');
  await node.flush();
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(leaked, []);
  assert.deepEqual(events, ['mta.dkim.key.created']);
  assert.ok(
    errors.some((e) => /permission/i.test(e)),
    errors.join('\n'),
  );
});
