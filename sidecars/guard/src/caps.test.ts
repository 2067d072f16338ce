import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BanCaps, type CapReport, CapReporter } from './caps.ts';

test('caps: new bans per minute (sliding) and bans in force', () => {
  const c = new BanCaps({ perMinute: 3, total: 5 });
  assert.deepEqual(
    [0, 10, 20, 30].map((t) => c.take(0, t)),
    [undefined, undefined, undefined, 'per-minute'],
  );
  assert.equal(c.take(0, 60_000), undefined, 'the first fell out of the minute');
  assert.equal(c.take(0, 60_001), 'per-minute');
  assert.equal(c.take(5, 200_000), 'total');
  assert.equal(c.take(4, 200_000), undefined);
});

test('cap refusals: reported at once, then at most once a minute with their count', async () => {
  let now = 0;
  const reports: CapReport[] = [];
  const r = new CapReporter(
    (x) => reports.push({ ...x }),
    () => now,
  );
  r.refused('per-minute', 3, 'guard');
  now = 1000;
  r.refused('per-minute', 3, 'fleet');
  r.refused('per-minute', 3, 'fleet');
  assert.deepEqual(reports, [{ cap: 'per-minute', limit: 3, refused: 1, origin: 'guard' }]);
  now = 61_000;
  r.refused('per-minute', 3, 'guard');
  assert.deepEqual(reports.at(-1), { cap: 'per-minute', limit: 3, refused: 3, origin: 'guard' });
  now = 62_000;
  r.refused('total', 9, 'fleet');
  r.refused('per-minute', 3, 'guard');
  r.close();
  assert.deepEqual(reports.slice(2), [
    { cap: 'total', limit: 9, refused: 1, origin: 'fleet' },
    { cap: 'per-minute', limit: 3, refused: 1, origin: 'guard' },
  ]);
});
