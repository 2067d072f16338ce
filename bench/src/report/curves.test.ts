import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curveSvg } from './curve-svg.ts';
import { curveOf, growthExponent, median } from './curves.ts';

const series = (f: (n: number) => number) => [100, 10_000, 100_000].map((size) => ({ size, value: f(size) }));

test('the growth exponent is the log-log slope: flat 0, linear 1, quadratic 2, n log n a little above 1', () => {
  assert.equal(growthExponent(series(() => 5)), 0);
  assert.equal(Number(growthExponent(series((n) => 3 * n)).toFixed(6)), 1);
  assert.equal(Number(growthExponent(series((n) => n * n)).toFixed(6)), 2);
  const nlogn = growthExponent(series((n) => n * Math.log(n)));
  assert.ok(nlogn > 1.05 && nlogn < 1.2, String(nlogn));
  assert.throws(() => growthExponent([{ size: 10, value: 1 }]), /two sizes/);
});

test('a curve keeps every run, the median per size and the exponent; its picture is stable and shows the target', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const c = curveOf(
    'bans',
    'ms',
    new Map([
      [10_000, [2, 2.2, 1.9]],
      [100, [1, 1.1, 0.9]],
      [100_000, [4, 4.1, 3.9]],
    ]),
    0.2,
  );
  assert.deepEqual(
    c.points.map((p) => [p.size, p.value]),
    [
      [100, 1],
      [10_000, 2],
      [100_000, 4],
    ],
  );
  assert.equal(c.exponent, 0.19);
  const svg = curveSvg('guard: apply one ban', c);
  assert.equal(svg, curveSvg('guard: apply one ban', c));
  assert.match(svg, /^<svg /);
  assert.match(svg, /target: exponent ≤ 0\.2/);
  assert.match(svg, /measured \(median\): exponent 0\.19/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 9 + 3);
  assert.doesNotMatch(curveSvg('no target', { ...c, maxExponent: undefined }), /target:/);
});
