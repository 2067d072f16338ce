import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DKIM_BUCKET, ensureLearnStream, initFleet, LEARN_STREAM, learnConsumer, openBucket } from '@mta/shared';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type FleetNats, startFleetNats, tempRoot } from '../harness/index.ts';

// examples/fleet/nats-server.conf as shipped: TLS with client certificates, one NKEY user per node with exactly the
// permissions of a node, an admin for `mta fleet init`, an observer for events.
let nats: FleetNats;
let cleanup: () => Promise<void>;
const conns: NatsConnection[] = [];
const login = async (...a: Parameters<FleetNats['login']>) => {
  const nc = await nats.login(...a);
  conns.push(nc);
  return nc;
};

before(async () => {
  const t = await tempRoot('mta-nats-perm-');
  cleanup = t.cleanup;
  nats = await startFleetNats(t.dir, 1);
  const admin = await login('admin');
  assert.deepEqual(await initFleet(admin, 1), [
    'bucket mta-dkim',
    'bucket mta-certs',
    'bucket mta-guard',
    'bucket mta-srs',
    'bucket mta-dmarc',
    'bucket mta-sts',
    `stream ${LEARN_STREAM}`,
  ]);
  // The DMARC records expire (8 days, in nanoseconds); the key buckets keep theirs.
  const jsm = await jetstreamManager(admin);
  assert.equal((await jsm.streams.info('KV_mta-dmarc')).config.max_age, 8 * 86_400 * 1e9);
  assert.equal((await jsm.streams.info('KV_mta-dkim')).config.max_age, 0);
});
after(async () => {
  for (const c of conns) await c.close().catch(() => {});
  await nats?.stop();
  await cleanup?.();
});

test('without credentials, without a client certificate, or in cleartext, nobody gets in', async () => {
  await assert.rejects(login(), /authorization|auth/i);
  await assert.rejects(
    connect({ servers: nats.urls, tls: { ca: nats.tls.ca }, timeout: 2000, reconnect: false }),
    /certificate|ECONNRESET/,
  );
  await assert.rejects(connect({ servers: nats.urls.map((u) => u.replace('tls://', 'nats://')), tls: null, timeout: 2000 }));
});

test('a node user writes and reads the buckets, publishes learn messages and consumes its own consumer', async () => {
  const nc = await login('mx1');
  const kv = await openBucket(nc, DKIM_BUCKET);
  await kv.put('example.com.default', new TextEncoder().encode('signed value'));
  assert.equal((await kv.get('example.com.default'))?.string(), 'signed value');
  const seen: string[] = [];
  const w = await kv.watch();
  for await (const e of w) {
    seen.push(e.key);
    break;
  }
  assert.deepEqual(seen, ['example.com.default']);
  await ensureLearnStream(nc);
  await jetstream(nc).publish('mta-fleet.learn.spam', new TextEncoder().encode('x'), { msgID: 'perm-1' });
  const c = await learnConsumer(nc, 'mx1');
  const batch = await c.fetch({ max_messages: 1, expires: 2000 });
  let n = 0;
  for await (const m of batch) {
    n++;
    m.ack();
  }
  assert.equal(n, 1);
});

test("a node user cannot purge or delete a stream, a bucket, a message, or another node's consumer, nor create streams", async () => {
  const nc = await login('mx2');
  const jsm = await jetstreamManager(nc);
  const refused = /Permissions Violation/;
  await assert.rejects(jsm.streams.purge(LEARN_STREAM), refused);
  await assert.rejects(jsm.streams.delete(LEARN_STREAM), refused);
  await assert.rejects(jsm.streams.deleteMessage(LEARN_STREAM, 1), refused);
  await assert.rejects(jsm.streams.purge(`KV_${DKIM_BUCKET}`), refused);
  await assert.rejects((await openBucket(nc, DKIM_BUCKET)).destroy(), refused);
  await assert.rejects(jsm.streams.add({ name: 'ROGUE', subjects: ['rogue.>'] }), refused);
  await assert.rejects(jsm.consumers.delete(LEARN_STREAM, 'learn-mx1'), refused);
  await assert.rejects(learnConsumer(nc, 'mx1'), refused);
  // Even the admin's API cannot purge: the streams deny it.
  const admin = await jetstreamManager(await login('admin'));
  await assert.rejects(admin.streams.purge(LEARN_STREAM), /purge/i);
  assert.ok((await admin.streams.info(LEARN_STREAM)).state.messages >= 1);
  assert.equal((await admin.streams.info(`KV_${DKIM_BUCKET}`)).config.name, `KV_${DKIM_BUCKET}`);
  assert.equal((await admin.consumers.info(LEARN_STREAM, 'learn-mx1')).name, 'learn-mx1');
});

test('the observer receives events but cannot open, watch or read the key buckets', async () => {
  const obs = await login('observer', { inboxPrefix: '_INBOX_observer' });
  await assert.rejects(openBucket(obs, DKIM_BUCKET));
  const leaked: string[] = [];
  obs.subscribe('$KV.mta-dkim.>', { callback: (e, m) => void (e || leaked.push(m.subject)) });
  const events: string[] = [];
  obs.subscribe('mta.>', { callback: (_e, m) => void events.push(m.subject) });
  await obs.flush().catch(() => {});
  const node = await login('mx1');
  const kv = await openBucket(node, DKIM_BUCKET);
  await kv.put('example.com.default', new TextEncoder().encode('rotated'));
  node.publish('mta.dkim.key.created', '{}');
  await node.flush();
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(leaked, []);
  assert.deepEqual(events, ['mta.dkim.key.created']);
});
