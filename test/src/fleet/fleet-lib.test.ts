import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Bus,
  busLoop,
  claimOrAdopt,
  createLogger,
  ensureLearnStream,
  learnConsumer,
  openBucket,
  publishLearn,
  toDelivery,
} from '@mta/shared';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { eventually, type NatsServer, startNats, tempRoot } from '../harness/index.ts';

let nats: NatsServer;
let cleanupDir: () => Promise<void>;
const conns: NatsConnection[] = [];
const conn = async () => {
  const nc = await connect({ servers: nats.url });
  conns.push(nc);
  return nc;
};

before(async () => {
  const t = await tempRoot('mta-fleet-');
  cleanupDir = t.cleanup;
  nats = await startNats({ jetstream: true, dir: t.dir });
});
after(async () => {
  for (const c of conns) await c.close();
  await nats.stop();
  await cleanupDir();
});

test('KV: the first node publishes, the second adopts, a different local value is a conflict', async () => {
  const a = await openBucket(await conn(), 'mta-dkim');
  const b = await openBucket(await conn(), 'mta-dkim');
  const keyA = new TextEncoder().encode('key-of-a');
  const keyB = new TextEncoder().encode('key-of-b');
  assert.equal((await claimOrAdopt(a, 'example.com.default', keyA)).kind, 'published');
  const adopted = await claimOrAdopt(b, 'example.com.default', undefined);
  assert.equal(adopted.kind, 'adopted');
  assert.deepEqual(Buffer.from(adopted.kind === 'adopted' ? adopted.value : []), Buffer.from(keyA));
  const conflict = await claimOrAdopt(b, 'example.com.default', keyB);
  assert.equal(conflict.kind, 'conflict');
  assert.equal((await claimOrAdopt(a, 'example.com.default', keyA)).kind, 'same');
  assert.equal((await claimOrAdopt(a, 'other.org.default', undefined)).kind, 'absent');
});

test('KV: concurrent creates resolve to exactly one winner', async () => {
  const kvs = await Promise.all([1, 2, 3, 4].map(async () => openBucket(await conn(), 'mta-dkim')));
  const outcomes = await Promise.all(kvs.map((kv, i) => claimOrAdopt(kv, 'race.test.default', new TextEncoder().encode(`k${i}`))));
  assert.equal(outcomes.filter((o) => o.kind === 'published').length, 1);
  assert.equal(outcomes.filter((o) => o.kind === 'conflict').length, 3);
});

test('learn stream: duplicates are dropped, each node consumes every message once, a late node catches up', async () => {
  const nc = await conn();
  await ensureLearnStream(nc);
  const msg = new TextEncoder().encode('Subject: buy now\r\n\r\nspam body');
  const id1 = await publishLearn(nc, 'spam', msg, 'mx1');
  const id2 = await publishLearn(nc, 'spam', msg, 'mx2');
  assert.equal(id1, id2);
  await publishLearn(nc, 'ham', msg, 'mx1');

  for (const node of ['mx1', 'mx2']) {
    const consumer = await learnConsumer(nc, node);
    const got: string[] = [];
    const batch = await consumer.fetch({ max_messages: 10, expires: 1500 });
    for await (const m of batch) {
      const d = toDelivery(m);
      got.push(`${d.kind}:${d.from}`);
      m.ack();
    }
    assert.deepEqual(got, ['spam:mx1', 'ham:mx1'], node);
    const again = await consumer.fetch({ max_messages: 10, expires: 1000 });
    let n = 0;
    for await (const m of again) {
      n++;
      m.ack();
    }
    assert.equal(n, 0, `${node} got redeliveries after ack`);
  }
});

test('bus loop: a session is aborted when the client moves to another server, and runs again on the new one', async () => {
  const bus = Bus.start({ servers: [nats.url], name: 'loop-test', node: 't' });
  const log = createLogger({ sidecar: 'test', node: 't', syslogLevel: 0 });
  const sessions: string[] = [];
  const loop = busLoop({
    connection: () => bus.connection(),
    follow: true,
    log,
    unavailable: { event: 'test.unavailable', msg: 'unavailable' },
    firstMs: 50,
    session: (nc, signal) =>
      new Promise<void>((resolve) => {
        sessions.push(`start ${nc.getServer()}`);
        signal.addEventListener('abort', () => {
          sessions.push('aborted');
          resolve();
        });
      }),
  });
  try {
    await eventually(() => sessions.length === 1, 5000, 'first session');
    await nats.restart();
    await eventually(() => sessions.length >= 3, 10_000, `second session: ${sessions.join(', ')}`);
    assert.deepEqual(sessions.slice(0, 3), [sessions[0], 'aborted', sessions[0]]);
  } finally {
    await loop.close();
    await bus.close();
  }
});
