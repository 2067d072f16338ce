// bench/fleet-scale: how fleet propagation grows with the nodes (2, 3 and 5 by default), RUNS times per size.
// Learn: real spamd-learn nodes (fleet/learners.ts) on one JetStream nats-server; messages dropped into the first
// node's spam/ are timed from its publish to MTA_LEARN (its `spamd.fleet.published` line) until every other node's
// sa-learn learned them (their `spamd.learned` lines). DKIM: real dkim-keys nodes (fleet/dkim-nodes.ts) serving one
// domain; `mta fleet retire dkim` as the operator runs it on the first node, timed until every node's key file (what
// amavis signs with) holds the one new key (the latest write of the last node). Each curve gets its growth exponent
// (report/curves.ts). All nodes share this host's cores: a node's work is paid by all. Writes
// bench/results/fleet-scale.json; targets in report/catalog.ts.
import { eventually } from '@mta/test/harness/index';
import { message } from '@mta/test/spamd/corpus';
import { startDkimFleet } from './fleet/dkim-nodes.ts';
import { type LearnNode, learnedSince, settled, startLearnFleet } from './fleet/learners.ts';
import { at } from './fleet/log-tail.ts';
import { curveOf } from './report/curves.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const SIZES = (process.env.BENCH_SIZES ?? '2,3,5').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function learnRuns(size: number): Promise<number[]> {
  const fleet = await startLearnFleet(size, { SPAMD_BATCH_MS: '200' });
  const [a, ...others] = fleet.nodes as [LearnNode, ...LearnNode[]];
  const out: number[] = [];
  try {
    // One warm-up round: each node's first batch also merges a journal left from before its start.
    for (let run = -1; run < RUNS; run++) {
      const from = fleet.nodes.map((n) => n.log.length);
      for (let i = 0; i < PER_ROUND; i++)
        await fleet.drop(a, `s${size}-r${run}-${i}.eml`, message('spam', (run + 1) * PER_ROUND + i, `scale${size}`));
      const published = () => a.log.events('spamd.fleet.published', from[0]);
      await eventually(() => published().reduce((n, l) => n + Number(l.spam ?? 0), 0) >= PER_ROUND, 60_000, 'published');
      await Promise.all(
        others.map((n, i) => eventually(() => learnedSince(n, from[i + 1] as number) >= PER_ROUND, 120_000, `${n.name} learned`)),
      );
      await settled(fleet.nodes, from);
      const done = Math.max(...others.map((n, i) => at(n.log.events('spamd.learned', from[i + 1]).at(-1))));
      if (run >= 0) out.push(done - at(published().at(-1)));
    }
  } finally {
    await fleet.stop();
  }
  return out;
}

async function dkimRuns(size: number): Promise<number[]> {
  const fleet = await startDkimFleet(size);
  const out: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const old = (await fleet.keys())[0];
      const t0 = Date.now();
      await fleet.retire();
      await eventually(
        async () => {
          const now = await fleet.keys();
          return now[0] !== '' && now[0] !== old && now.every((k) => k === now[0]);
        },
        120_000,
        'every node signs with the new key',
      );
      // A node may write a key of its own first and the fleet's over it: the last write counts.
      await sleep(1000);
      const now = await fleet.keys();
      if (!now.every((k) => k === now[0])) throw new Error('the nodes disagree on the key after settling');
      out.push(Math.max(...(await fleet.writtenAt())) - t0);
    }
  } finally {
    await fleet.stop();
  }
  return out;
}

const learn = new Map<number, number[]>();
const dkim = new Map<number, number[]>();
for (const size of SIZES) {
  learn.set(size, await learnRuns(size));
  dkim.set(size, await dkimRuns(size));
  console.log(`fleet-scale: ${size} nodes: learn ${learn.get(size)?.join('/')} ms, dkim ${dkim.get(size)?.join('/')} ms`);
}

writeResult('fleet-scale', {
  ...resultHeader('fleet-scale'),
  sizes: SIZES,
  runsPerSize: RUNS,
  messagesPerRun: PER_ROUND,
  curves: {
    learn: curveOf('nodes', 'learn: publish until every node learned (ms)', learn, 1.1),
    dkim: curveOf('nodes', 'DKIM retire until every node signs with the new key (ms)', dkim, 1.1),
  },
  cpus: (await import('node:os')).cpus().length,
  loadavg: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))),
});
