import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchReleases, combineReleases, medianFigures, releaseRatios, roundOrder } from './releases.ts';

test('BENCH_RELEASES: names in the order given, once each; unset is none; anything but a release name is refused', () => {
  assert.deepEqual(benchReleases('bookworm,trixie'), ['bookworm', 'trixie']);
  assert.deepEqual(benchReleases(' trixie bookworm,trixie '), ['trixie', 'bookworm']);
  assert.equal(benchReleases(''), undefined);
  assert.equal(benchReleases(undefined), undefined);
  assert.throws(() => benchReleases('bookworm,../x'), /not a Debian release name: \.\.\/x/);
});

test('rounds alternate which release runs first', () => {
  assert.deepEqual(
    [0, 1, 2].map((r) => roundOrder(['a', 'b'], r)),
    [
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b'],
    ],
  );
});

test('medians per figure over the runs; the header and the samples are not figures', () => {
  const runs = [
    { bench: 'x', at: '2026-12-07', cpu: 'c', p50: 10, nested: { ms: 4 }, samples: [1, 2] },
    { bench: 'x', at: '2026-12-08', cpu: 'c', p50: 30, nested: { ms: 8 } },
    { bench: 'x', at: '2026-12-09', cpu: 'c', p50: 20, nested: { ms: 6 }, note: 'text' },
  ];
  assert.deepEqual(
    [...medianFigures(runs)],
    [
      ['p50', 20],
      ['nested.ms', 6],
    ],
  );
  assert.deepEqual(
    [...medianFigures(runs.slice(0, 2))],
    [
      ['p50', 20],
      ['nested.ms', 6],
    ],
  );
});

test('ratios are the other release over the baseline, for the figures both have', () => {
  const base = new Map([
    ['a', 100],
    ['b', 0],
    ['c', 2],
  ]);
  assert.deepEqual(
    releaseRatios(
      base,
      new Map([
        ['a', 110],
        ['b', 5],
      ]),
    ),
    { a: 1.1 },
  );
});

test("the combined result: the headline release's last run on top, every run kept, ratios against the first release", () => {
  const runs = {
    bookworm: [{ bench: 's', ms: 100 }],
    trixie: [
      { bench: 's', ms: 90 },
      { bench: 's', ms: 130 },
    ],
  };
  const c = combineReleases(runs, ['bookworm', 'trixie'], 'trixie');
  assert.equal(c.ms, 130);
  assert.equal(c.headlineRelease, 'trixie');
  assert.deepEqual(c.releases, runs);
  assert.deepEqual(c.releaseRatio, { 'trixie/bookworm': { ms: 1.1 } });
});
