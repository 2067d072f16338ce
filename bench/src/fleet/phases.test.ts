import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phaseSpread, roundTimes } from './phases.ts';

const t = (ms: number) => new Date(Date.UTC(2026, 11, 8) + ms).toISOString();
const dropAt = Date.UTC(2026, 11, 8);
const a = [
  { event: 'spamd.queued', time: t(2000) },
  { event: 'spamd.queued', time: t(2001) },
  { event: 'spamd.batch', time: t(2200) },
  { event: 'spamd.fleet.published', time: t(3300), durationMs: 20 },
  { event: 'spamd.learned', time: t(3290) },
];
const b = [
  { event: 'spamd.fleet.received', time: t(3290) },
  { event: 'spamd.synced', time: t(3400) },
  { event: 'spamd.batch', time: t(3500) },
  { event: 'spamd.learned', time: t(4500), count: 2 },
];

test('a round splits into consecutive phases that add up to its end-to-end time', () => {
  const r = roundTimes(dropAt, a, b);
  assert.ok(r);
  assert.deepEqual(r.phases, { pickup: 2000, aWindow: 200, aLearn: 1080, publishToB: 10, bWindow: 210, bLearn: 1000 });
  assert.equal(
    Object.values(r.phases).reduce((x, y) => x + y, 0),
    r.endToEnd,
  );
  assert.equal(r.publishToLearned, 1200);
  assert.equal(r.aFlush, 20);
  assert.equal(r.bSynced, true);
  assert.equal(r.bRuns, 1);
});

test('a round with a line still missing has no times yet', () => {
  assert.equal(
    roundTimes(
      dropAt,
      a,
      b.filter((l) => l.event !== 'spamd.learned'),
    ),
    undefined,
  );
});

test('the spread lists the largest phase first', () => {
  const r = roundTimes(dropAt, a, b);
  assert.ok(r);
  const s = phaseSpread([r, r, { ...r, phases: { ...r.phases, bLearn: 3000 } }]);
  assert.equal(Object.keys(s)[0], 'pickup');
  assert.deepEqual(s.bLearn, { p50: 1000, p95: 3000, max: 3000 });
});
