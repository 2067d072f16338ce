import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Daemon, eventually, fleetEnv, fleetKeys, heartbeatOf, type NatsServer, startNats, tempRoot } from '../harness/index.ts';
import { message } from '../spamd/corpus.ts';
import { bayesCounts, countFiles, drop, logLines, makeLib, startLearner } from '../spamd/learner.ts';

// Two nodes (real spamd-learn processes, own temp roots and Bayes DBs, real sa-learn as amavis) share MTA_LEARN.
describe('fleet learning: every node learns every message exactly once', { timeout: 120_000 }, () => {
  const { keys, keyOf } = fleetKeys(['mx-a', 'mx-b']);
  let nats: NatsServer;
  let nc: NatsConnection;
  const cleanups: (() => Promise<unknown>)[] = [];
  const nodes: Record<string, { root: string; lib: string; proc?: Daemon; logs: Record<string, unknown>[] }> = {};
  const beats: Record<string, unknown>[] = [];

  const start = (name: string) => {
    const n = nodes[name];
    if (!n) throw new Error(name);
    n.proc = startLearner(n.root, n.lib, { NATS_URL: nats.url, MTA_NODE: name, SPAMD_BATCH_MS: '200', ...fleetEnv(keyOf(name), keys) });
  };
  const stop = async (name: string) => {
    const n = nodes[name];
    if (!n?.proc) return;
    await n.proc.stop();
    n.logs.push(...logLines(n.proc));
    n.proc = undefined;
  };
  const counts = (name: string) => bayesCounts(mtaPaths(nodes[name]?.root ?? '').bayes);
  // Waits on the node's own log (cheap) for the learned count, then reads the DB (sa-learn --dump, costly: 2 CPUs
  // shared with two learners) once a second until the idle journal sync made the counts visible.
  const reach = async (name: string, want: { nspam: number; nham: number }, ms: number) => {
    const what = `${name} reaches ${JSON.stringify(want)}`;
    const deadline = Date.now() + ms;
    const fail = () => new Error(`${what}\n${nodes[name]?.proc?.output().slice(-3000)}`);
    await eventually(() => learnedBy(name, 'spam') >= want.nspam && learnedBy(name, 'ham') >= want.nham, ms, what).catch(() => {
      throw fail();
    });
    while (Date.now() < deadline + 5000) {
      const c = await counts(name);
      if (c.nspam >= want.nspam && c.nham >= want.nham) return c;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw fail();
  };
  // Messages this node's sa-learn runs learned, over all its runs.
  const learnedBy = (name: string, kind: string) => {
    const n = nodes[name];
    const lines = [...(n?.logs ?? []), ...(n?.proc ? logLines(n.proc) : [])];
    return lines.filter((l) => l.event === 'spamd.learned' && l.kind === kind).reduce((s, l) => s + Number(l.count), 0);
  };
  const dropMany = async (name: string, kind: 'spam' | 'ham', from: number, n: number) => {
    for (let i = from; i < from + n; i++) await drop(nodes[name]?.lib ?? '', kind, `${kind}${i}.eml`, message(kind, i, name));
  };

  before(async () => {
    const t = await tempRoot('mta-fleet-learn-nats-');
    cleanups.push(t.cleanup);
    nats = await startNats({ jetstream: true, dir: t.dir });
    cleanups.push(() => nats.stop());
    nc = await connect({ servers: nats.url });
    cleanups.push(() => nc.close());
    nc.subscribe('mta.fleet.heartbeat', { callback: (_e, m) => void beats.push(heartbeatOf(m.json())) });
    for (const name of ['mx-a', 'mx-b']) {
      const r = await tempRoot(`mta-fleet-learn-${name}-`);
      cleanups.push(r.cleanup);
      nodes[name] = { root: r.dir, lib: await makeLib(r.dir), logs: [] };
      start(name);
    }
    for (const name of ['mx-a', 'mx-b'])
      await eventually(
        () => nodes[name]?.proc?.output().includes('"event":"spamd.fleet.following"'),
        15_000,
        `${name} follows\n${nodes[name]?.proc?.output()}`,
      );
  });
  after(async () => {
    for (const name of Object.keys(nodes)) await stop(name);
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  test('50 spam dropped on A are learned by B too', async () => {
    const t0 = performance.now();
    await dropMany('mx-a', 'spam', 0, 50);
    await eventually(() => learnedBy('mx-a', 'spam') >= 50, 20_000, 'A learned');
    const tA = Math.round(performance.now() - t0);
    await eventually(() => learnedBy('mx-b', 'spam') >= 50, 20_000, 'B learned');
    const tB = Math.round(performance.now() - t0);
    // A waits the drop folders' 2 s file-stability window first; B's batch includes a journal sync before and after.
    // Latency percentiles under a quiet machine: bench/src/fleet-learn.ts.
    console.log(`learned on A after ${tA} ms, on B after ${tB} ms (${tB - tA} ms later)`);
    assert.deepEqual(await reach('mx-a', { nspam: 50, nham: 0 }, 30_000), { nspam: 50, nham: 0 });
    assert.deepEqual(await reach('mx-b', { nspam: 50, nham: 0 }, 30_000), { nspam: 50, nham: 0 });
    assert.equal(await countFiles(join(nodes['mx-a']?.lib ?? '', 'spam')), 0);
  });

  test('B stopped while 50 more arrive on A catches up when it returns; nothing is learned twice', async () => {
    await stop('mx-b');
    await dropMany('mx-a', 'spam', 50, 50);
    await reach('mx-a', { nspam: 100, nham: 0 }, 30_000);
    start('mx-b');
    assert.deepEqual(await reach('mx-b', { nspam: 100, nham: 0 }, 30_000), { nspam: 100, nham: 0 });
    // Learning goes both ways: ham marked on B reaches A.
    await dropMany('mx-b', 'ham', 0, 5);
    assert.deepEqual(await reach('mx-a', { nspam: 100, nham: 5 }, 30_000), { nspam: 100, nham: 5 });
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await counts('mx-a'), { nspam: 100, nham: 5 });
    assert.deepEqual(await counts('mx-b'), { nspam: 100, nham: 5 });
    // Exactly once per node: sa-learn runs on each node learned each message one time (A never re-learned its own).
    assert.equal(learnedBy('mx-a', 'spam'), 100);
    assert.equal(learnedBy('mx-b', 'spam'), 100);
    assert.equal(learnedBy('mx-a', 'ham'), 5);
    assert.equal(learnedBy('mx-b', 'ham'), 5);
  });

  test('heartbeats report the learn lag; no message body reaches events or logs', async () => {
    const beat = await eventually(() => beats.find((b) => b.node === 'mx-b' && b.sidecar === 'spamd-learn'), 12_000, 'heartbeat');
    assert.equal(typeof beat.learnPending, 'number');
    for (const n of Object.values(nodes)) assert.doesNotMatch(n.proc?.output() ?? '', /Message-ID|Subject:/);
  });
});
