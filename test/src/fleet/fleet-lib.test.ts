import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Bus,
  busLoop,
  claimSigned,
  createLogger,
  ensureLearnStream,
  FleetIdentity,
  followBucket,
  learnConsumer,
  learnPart,
  openBucket,
  publishLearn,
  verifyLearn,
} from '@mta/shared';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { eventually, type NatsServer, nodeKey, startNats, tempRoot } from '../harness/index.ts';

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

const keys = [nodeKey('mx1'), nodeKey('mx2'), nodeKey('mx3'), nodeKey('mx4')];
const ids = () =>
  Promise.all(
    keys.map((k) =>
      FleetIdentity.load(
        k.seed,
        k.name,
        keys.filter((o) => o !== k).map((o) => ({ name: o.name, key: o.publicKey })),
      ),
    ),
  );
const bytes = (s: string) => new TextEncoder().encode(s);

test('KV: the first node publishes, the second adopts, a different local value loses; forged values are overwritten', async () => {
  const [mx1, mx2] = (await ids()) as [FleetIdentity, FleetIdentity];
  const a = await openBucket(await conn(), 'mta-dkim');
  const b = await openBucket(await conn(), 'mta-dkim');
  assert.equal((await claimSigned(a, mx1, 'mta-dkim', 'example.com.default', bytes('key-of-a'))).kind, 'published');
  const adopted = await claimSigned(b, mx2, 'mta-dkim', 'example.com.default', undefined);
  assert.deepEqual(adopted, { kind: 'adopt', value: Buffer.from('key-of-a'), signer: 'mx1' });
  assert.equal((await claimSigned(b, mx2, 'mta-dkim', 'example.com.default', bytes('key-of-b'))).kind, 'adopt');
  assert.equal((await claimSigned(a, mx1, 'mta-dkim', 'example.com.default', bytes('key-of-a'))).kind, 'same');
  assert.equal((await claimSigned(a, mx1, 'mta-dkim', 'other.org.default', undefined)).kind, 'absent');
  // A raw (unsigned) value is no claim: the next node's signed key replaces it.
  await a.put('forged.test.default', bytes('rogue key'));
  assert.equal((await claimSigned(b, mx2, 'mta-dkim', 'forged.test.default', undefined)).kind, 'absent');
  assert.equal((await claimSigned(b, mx2, 'mta-dkim', 'forged.test.default', bytes('key-of-b'))).kind, 'published');
  assert.equal((await claimSigned(a, mx1, 'mta-dkim', 'forged.test.default', undefined)).kind, 'adopt');
});

test('KV: concurrent claims resolve to exactly one winner', async () => {
  const all = await ids();
  const kvs = await Promise.all(all.map(async () => openBucket(await conn(), 'mta-dkim')));
  const outcomes = await Promise.all(
    kvs.map((kv, i) => claimSigned(kv, all[i] as FleetIdentity, 'mta-dkim', 'race.test.default', bytes(`k${i}`))),
  );
  assert.equal(outcomes.filter((o) => o.kind === 'published').length, 1);
  assert.equal(outcomes.filter((o) => o.kind === 'adopt').length, 3);
});

test('learn stream: signed, duplicates dropped, chunked above max_payload, each node consumes every message once', async () => {
  const [mx1, mx2] = (await ids()) as [FleetIdentity, FleetIdentity];
  const nc = await conn();
  await ensureLearnStream(nc);
  const msg = bytes('Subject: buy now\r\n\r\nspam body');
  const id1 = await publishLearn(nc, mx1, 'spam', msg);
  const id2 = await publishLearn(nc, mx2, 'spam', msg);
  assert.equal(id1, id2);
  await publishLearn(nc, mx1, 'ham', msg);
  // 2.5 chunks of the server's max_payload.
  const big = Buffer.alloc(Math.floor((nc.info?.max_payload ?? 0) * 2.5), 'x');
  await publishLearn(nc, mx1, 'spam', big);

  for (const node of ['mx1', 'mx2']) {
    const consumer = await learnConsumer(nc, node);
    const got: string[] = [];
    const batch = await consumer.fetch({ max_messages: 10, expires: 1500 });
    for await (const m of batch) {
      const p = learnPart(m);
      assert.ok(!('reason' in p));
      got.push(`${p.kind}:${p.index}/${p.total}`);
      if (p.total === 1) assert.deepEqual(verifyLearn(mx2, p, m.data), { ok: true, signer: 'mx1' });
      m.ack();
    }
    assert.deepEqual(got, ['spam:1/1', 'ham:1/1', 'spam:1/3', 'spam:2/3', 'spam:3/3'], node);
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

test('follow: an entry whose apply fails (a timeout while a server dies) is delivered again, with the ones after it', async () => {
  const bus = Bus.start({ servers: [nats.url], name: 'follow-test', node: 't' });
  const log = createLogger({ sidecar: 'test', node: 't', syslogLevel: 0 });
  const kv = await openBucket(await conn(), 'mta-follow-retry');
  const applied: string[] = [];
  let failures = 0;
  const following = followBucket({
    connection: () => bus.connection(),
    bucket: 'mta-follow-retry',
    log,
    retryMs: 50,
    onEntry: async (e) => {
      const value = new TextDecoder().decode(e.value);
      if (value === 'v2' && failures++ === 0) throw new Error('timeout');
      applied.push(`${e.key}=${value}`);
    },
  });
  try {
    await kv.put('a', bytes('v1'));
    await eventually(() => applied.includes('a=v1'), 5000, 'first value applied');
    await kv.put('a', bytes('v2'));
    await kv.put('b', bytes('w1'));
    await eventually(() => applied.includes('a=v2') && applied.includes('b=w1'), 10_000, `after the failure: ${applied.join(', ')}`);
    assert.equal(failures, 2, 'the failed entry was tried once more, and only once');
  } finally {
    await following.close();
    await bus.close();
  }
});
