// bench/fleet-learn: learn propagation across fleet nodes. Two real spamd-learn processes (own temp roots and Bayes
// DBs, real sa-learn as amavis) share MTA_LEARN on a JetStream nats-server. Each round drops messages on node A and
// measures from A's publish to the stream (its `spamd.fleet.published` log line) to B's sa-learn run that learned
// them (its `spamd.learned` line). Writes bench/results/fleet-learn.json (issue 11 asks for p50/p99).
import { execFileSync } from 'node:child_process';
import { eventually, fleetEnv, nodeKey, startNats, tempRoot } from '@mta/test/harness/index';
import { message } from '@mta/test/spamd/corpus';
import { drop, logLines, makeLib, startLearner } from '@mta/test/spamd/learner';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 10);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

const t = await tempRoot('mta-bench-fleet-');
const nats = await startNats({ jetstream: true, dir: t.dir });
const roots = { a: await tempRoot('mta-bench-fleet-a-'), b: await tempRoot('mta-bench-fleet-b-') };
const libA = await makeLib(roots.a.dir);
const keys = [nodeKey('bench-a'), nodeKey('bench-b')];
const env = (node: string) => ({
  NATS_URL: nats.url,
  MTA_NODE: node,
  SPAMD_BATCH_MS: '200',
  ...fleetEnv(keys.find((k) => k.name === node) ?? (keys[0] as (typeof keys)[number]), keys),
});
const a = startLearner(roots.a.dir, libA, env('bench-a'));
const b = startLearner(roots.b.dir, await makeLib(roots.b.dir), env('bench-b'));
const lines = (d: typeof a, event: string) => logLines(d).filter((l) => l.event === event);
const learnedOnB = () => lines(b, 'spamd.learned').reduce((n, l) => n + Number(l.count), 0);

const latencies: number[] = [];
try {
  for (const d of [a, b]) await eventually(() => lines(d, 'spamd.fleet.following').length > 0, 20_000, 'learner follows the stream');
  for (let r = 0; r < ROUNDS; r++) {
    const published = lines(a, 'spamd.fleet.published').length;
    const learned = learnedOnB();
    for (let i = 0; i < PER_ROUND; i++) await drop(libA, 'spam', `r${r}-${i}.eml`, message('spam', r * PER_ROUND + i, 'bench'));
    const pub = await eventually(() => lines(a, 'spamd.fleet.published')[published], 30_000, `round ${r} published`);
    await eventually(() => learnedOnB() >= learned + PER_ROUND, 30_000, `round ${r} learned on B`);
    const done = lines(b, 'spamd.learned').at(-1);
    latencies.push(Date.parse(String(done?.time)) - Date.parse(String(pub.time)));
  }
} finally {
  await a.stop();
  await b.stop();
  await nats.stop();
  for (const r of [t, roots.a, roots.b]) await r.cleanup();
}

const sorted = [...latencies].sort((x, y) => x - y);
const result = {
  ...resultHeader('fleet-learn'),
  rounds: ROUNDS,
  messagesPerRound: PER_ROUND,
  latencyMs: { p50: pct(sorted, 50), p99: pct(sorted, 99), min: sorted[0], max: sorted.at(-1), all: latencies },
  note: "from node A's publish to MTA_LEARN to node B's sa-learn run that learned the round (B's batch window 200 ms, a journal sync before its first batch); one host, loopback NATS",
  saLearn: execFileSync('sa-learn', ['--version']).toString().trim(),
  cpus: (await import('node:os')).cpus().length,
};
writeResult('fleet-learn', result);
