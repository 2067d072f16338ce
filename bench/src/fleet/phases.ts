import { at, type LogLine } from './log-tail.ts';

// The phases of one round of fleet learning, in order; their sum is the round's end-to-end time.
export const PHASES = ['pickup', 'aWindow', 'aLearn', 'publishToB', 'bWindow', 'bLearn'] as const;
export type Phase = (typeof PHASES)[number];

export interface RoundTimes {
  phases: Record<Phase, number>;
  // From A's publish to MTA_LEARN (its `spamd.fleet.published` line) to B's sa-learn run that learned the round.
  publishToLearned: number;
  endToEnd: number;
  // A's flush of its outbox (stream binding, signing, one JetStream put per message).
  aFlush: number;
  // Whether B merged its journal between receiving and learning (a sync before the batch).
  bSynced: boolean;
  // sa-learn runs that learned the round on B (1 when the round fit in one batch window).
  bRuns: number;
}

const first = (lines: readonly LogLine[], event: string) => lines.find((l) => l.event === event);
const last = (lines: readonly LogLine[], event: string) => lines.findLast((l) => l.event === event);

// One round from its log lines: `a` the lines node A wrote since the round's drop at `dropAt` (epoch ms), `b` node
// B's. The phases: drop → A's watch reports the file stable (pickup: SPAMD_STABLE_MS) → A's batch starts (aWindow:
// SPAMD_BATCH_MS) → A starts publishing (aLearn: sa-learn, the copy to the outbox) → B receives the first message
// (publishToB: stream binding, signing, put, delivery, verification) → B's batch starts (bWindow: batch window, a
// journal sync if one was due) → B learned the round (bLearn: sa-learn). Undefined while a line is missing.
export function roundTimes(dropAt: number, a: readonly LogLine[], b: readonly LogLine[]): RoundTimes | undefined {
  const queued = first(a, 'spamd.queued');
  const aBatch = first(a, 'spamd.batch');
  const firstPub = first(a, 'spamd.fleet.published');
  const lastPub = last(a, 'spamd.fleet.published');
  const received = first(b, 'spamd.fleet.received');
  const bBatch = first(b, 'spamd.batch');
  const bLearned = last(b, 'spamd.learned');
  if (!queued || !aBatch || !firstPub || !lastPub || !received || !bBatch || !bLearned) return undefined;
  const publishStart = at(firstPub) - Number(firstPub.durationMs ?? 0);
  const marks = [dropAt, at(queued), at(aBatch), publishStart, at(received), at(bBatch), at(bLearned)];
  const phases = Object.fromEntries(PHASES.map((p, i) => [p, (marks[i + 1] as number) - (marks[i] as number)])) as Record<Phase, number>;
  const receivedAt = b.indexOf(received);
  return {
    phases,
    publishToLearned: at(bLearned) - at(lastPub),
    endToEnd: at(bLearned) - dropAt,
    aFlush: at(lastPub) - publishStart,
    bSynced: b.slice(receivedAt, b.indexOf(bBatch)).some((l) => l.event === 'spamd.synced'),
    bRuns: b.filter((l) => l.event === 'spamd.learned' && Number(l.count) > 0).length,
  };
}

// p50/p95 of each phase over the rounds (nearest rank).
export const pct = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;

export function spread(xs: readonly number[]): { p50: number; p95: number; max: number } {
  const s = [...xs].sort((x, y) => x - y);
  return { p50: pct(s, 50), p95: pct(s, 95), max: s.at(-1) ?? 0 };
}

// Each phase's p50/p95 over the rounds, largest p50 first.
export function phaseSpread(rounds: readonly RoundTimes[]): Record<Phase, { p50: number; p95: number; max: number }> {
  const out = PHASES.map((p) => [p, spread(rounds.map((r) => r.phases[p]))] as const).sort(([, x], [, y]) => y.p50 - x.p50);
  return Object.fromEntries(out) as Record<Phase, { p50: number; p95: number; max: number }>;
}
