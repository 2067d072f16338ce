// bench/fleet-learn: learn propagation across fleet nodes, phase by phase. Two real spamd-learn processes (own temp
// roots and Bayes DBs, real sa-learn as amavis) share MTA_LEARN on a JetStream nats-server. Each round drops messages
// into node A's spam/ folder and times, from both nodes' log lines (debug on), each phase of their way to node B's
// Bayes DB (fleet/phases.ts); the headline is from A's publish to the stream (its `spamd.fleet.published` line) to
// B's sa-learn run that learned them (its `spamd.learned` line). A round ends once both nodes merged their journals,
// so rounds do not overlap. Also: what one signature and one verification of a learn message cost (the fleet's own
// work per message). Writes bench/results/fleet-learn.json; targets in report/catalog.ts.
import { execFileSync } from 'node:child_process';
import { FleetIdentity } from '@mta/shared';
import { eventually, nodeKey } from '@mta/test/harness/index';
import { message } from '@mta/test/spamd/corpus';
import { type LearnFleet, type LearnNode, learnedSince, settled, startLearnFleet } from './fleet/learners.ts';
import { pct, phaseSpread, type RoundTimes, roundTimes, spread } from './fleet/phases.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 10);
const BATCH_MS = process.env.BENCH_BATCH_MS ?? '200';
// A's wait for a dropped file to stay unchanged (default 2 s): only A's pickup phase, outside the headline, and 50
// rounds must fit in 10 minutes.
const STABLE_MS = process.env.BENCH_STABLE_MS ?? '500';

// Signing and verifying one learn message's signed text, µs each (median of 200).
async function signatureCost(): Promise<{ signUs: number; verifyUs: number }> {
  const [ka, kb] = [nodeKey('a'), nodeKey('b')];
  const a = await FleetIdentity.load(ka.seed, 'a');
  const b = await FleetIdentity.load(kb.seed, 'b', [{ name: 'a', key: ka.publicKey }]);
  const sign: number[] = [];
  const verify: number[] = [];
  for (let i = 0; i < 200; i++) {
    const at = new Date().toISOString();
    const hash = i.toString(16).padStart(64, '0');
    let t0 = performance.now();
    const sig = a.sign('learn', 'learn/spam', at, hash);
    sign.push(performance.now() - t0);
    t0 = performance.now();
    if (!b.verify(a.publicKey, sig, 'learn', 'learn/spam', at, hash).ok) throw new Error('signature refused');
    verify.push(performance.now() - t0);
  }
  const us = (xs: number[]) => Math.round(spread(xs).p50 * 1000);
  return { signUs: us(sign), verifyUs: us(verify) };
}

const fleet: LearnFleet = await startLearnFleet(2, { SPAMD_BATCH_MS: BATCH_MS, SPAMD_STABLE_MS: STABLE_MS });
const [a, b] = fleet.nodes as [LearnNode, LearnNode];
const rounds: RoundTimes[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    const from = [a.log.length, b.log.length];
    const dropAt = Date.now();
    for (let i = 0; i < PER_ROUND; i++) await fleet.drop(a, `r${r}-${i}.eml`, message('spam', r * PER_ROUND + i, 'bench'));
    await eventually(() => learnedSince(b, from[1] as number) >= PER_ROUND, 60_000, `round ${r} learned on B`);
    await eventually(
      () => a.log.events('spamd.fleet.published', from[0]).reduce((n, l) => n + Number(l.spam ?? 0), 0) >= PER_ROUND,
      30_000,
      `round ${r} published`,
    );
    await settled([a, b], from);
    const times = roundTimes(dropAt, a.log.all().slice(from[0]), b.log.all().slice(from[1]));
    if (!times) throw new Error(`round ${r}: a phase line is missing`);
    rounds.push(times);
    if (r % 10 === 9) console.log(`fleet-learn: ${r + 1} of ${ROUNDS} rounds`);
  }
} finally {
  await fleet.stop();
}

const ms = (xs: number[]) => ({ ...spread(xs), min: Math.min(...xs) });
writeResult('fleet-learn', {
  ...resultHeader('fleet-learn'),
  rounds: ROUNDS,
  messagesPerRound: PER_ROUND,
  batchMs: Number(BATCH_MS),
  stableMs: Number(STABLE_MS),
  latencyMs: {
    ...ms(rounds.map((r) => r.publishToLearned)),
    p99: pct(
      [...rounds.map((r) => r.publishToLearned)].sort((x, y) => x - y),
      99,
    ),
    all: rounds.map((r) => r.publishToLearned),
  },
  endToEndMs: ms(rounds.map((r) => r.endToEnd)),
  phasesMs: phaseSpread(rounds),
  aFlushMs: spread(rounds.map((r) => r.aFlush)),
  roundsWithSyncOnB: rounds.filter((r) => r.bSynced).length,
  // sa-learn runs on B per round: more than one when the round came in slower than B's batch window.
  saLearnRunsOnB: spread(rounds.map((r) => r.bRuns)),
  signature: await signatureCost(),
  note: "latencyMs: from node A's publish to MTA_LEARN to node B's sa-learn run that learned the round; phasesMs: from the drop into A's spam/ to B's learned line, in order pickup (A's SPAMD_STABLE_MS, stableMs), aWindow (A's batch window), aLearn (A's sa-learn and outbox copy), publishToB (stream, signing, delivery, verification), bWindow (B's batch window), bLearn (B's sa-learn); one host, loopback NATS, both nodes on the same cores",
  saLearn: execFileSync('sa-learn', ['--version']).toString().trim(),
  cpus: (await import('node:os')).cpus().length,
  loadavg: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))),
});
