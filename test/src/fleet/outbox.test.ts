import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Bus, createLogger, ensureLearnStream, FleetIdentity, LEARN_STREAM, learnConsumer, learnPart } from '@mta/shared';
import { LearnOutbox } from '@mta/spamd-learn/outbox';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { eventually, freePort, nodeKey, startDaemon, tempRoot, waitForPort } from '../harness/index.ts';

// The learning outbox on its own: bounded, oversize messages skipped with an event, and a message above the
// server's max_payload (here 8 KB) published in chunks instead of blocking everything after it.
let dir = '';
let cleanup: () => Promise<void>;
before(async () => {
  const t = await tempRoot('mta-fleet-outbox-');
  dir = t.dir;
  cleanup = t.cleanup;
});
after(() => cleanup());

const events: { subject: string; data: Record<string, unknown> }[] = [];
const publish = (subject: string, data: Record<string, unknown>) => void events.push({ subject, data });
const log = createLogger({ sidecar: 'spamd-learn', node: 'mx1', syslogLevel: 0 });

async function files(n: number, bytes: number, tag: string): Promise<string[]> {
  await mkdir(join(dir, 'src'), { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = join(dir, 'src', `${tag}${i}.eml`);
    await writeFile(p, `Subject: ${tag} ${i}\n\n${'x'.repeat(bytes)}\n`);
    out.push(p);
  }
  return out;
}

test('while NATS is down the outbox keeps what fits, and reports what it drops and what is too large', async () => {
  const id = await FleetIdentity.load(nodeKey('mx1').seed, 'mx1');
  const box = new LearnOutbox({
    dir: join(dir, 'down'),
    connection: () => new Promise(() => {}),
    identity: id,
    log,
    publish,
    maxMessageBytes: 20_000,
    maxBytes: 25_000,
  });
  await box.put('spam', await files(3, 10_000, 'fit'));
  await box.put('spam', await files(1, 30_000, 'big'));
  await box.close();
  assert.equal((await readdir(join(dir, 'down', 'spam'))).length, 2);
  const dropped = events.filter((e) => e.subject === 'mta.fleet.dropped').map((e) => String(e.data.reason));
  assert.equal(dropped.length, 2, dropped.join('\n'));
  assert.match(dropped[0] ?? '', /outbox full/);
  assert.match(dropped[1] ?? '', /larger than SPAMD_MAX_SIZE/);
});

test('a message above max_payload goes out in chunks; the messages after it go out too', async () => {
  const port = await freePort();
  await writeFile(join(dir, 'nats.conf'), `listen: 127.0.0.1:${port}\nmax_payload: 8192\njetstream { store_dir: ${join(dir, 'js')} }\n`);
  const server = startDaemon('nats-server', ['-c', join(dir, 'nats.conf')]);
  await waitForPort(port);
  const url = `nats://127.0.0.1:${port}`;
  const bus = Bus.start({ servers: [url], name: 'outbox', node: 'mx1' });
  const reader = await connect({ servers: url });
  try {
    const id = await FleetIdentity.load(nodeKey('mx1').seed, 'mx1');
    const box = new LearnOutbox({
      dir: join(dir, 'up'),
      connection: () => bus.connection(),
      identity: id,
      log,
      publish,
      maxMessageBytes: 100_000,
      maxBytes: 1_000_000,
    });
    await box.put('spam', [...(await files(1, 30_000, 'chunked')), ...(await files(2, 100, 'small'))]);
    await eventually(async () => (await readdir(join(dir, 'up', 'spam'))).length === 0, 10_000, 'outbox emptied');
    await box.close();
    await ensureLearnStream(reader);
    const stored = (await (await jetstreamManager(reader)).streams.info(LEARN_STREAM)).state.messages;
    const c = await learnConsumer(reader, 'reader');
    const parts: string[] = [];
    for await (const m of await c.fetch({ max_messages: 50, expires: 1500 })) {
      const p = learnPart(m);
      if (!('reason' in p)) parts.push(`${p.index}/${p.total}`);
      m.ack();
    }
    // 30 KB in chunks of at most 8 KB: at least 4 of them, numbered 1..n in order, and the two small ones whole.
    const n = stored - 2;
    assert.ok(n >= 4, `${n} chunks`);
    assert.deepEqual(
      parts.filter((p) => p !== '1/1'),
      Array.from({ length: n }, (_, i) => `${i + 1}/${n}`),
    );
    assert.equal(parts.filter((p) => p === '1/1').length, 2);
  } finally {
    await reader.close();
    await bus.close();
    await server.stop();
  }
});
