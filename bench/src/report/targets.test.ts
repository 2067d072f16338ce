import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatVerdict, judge, valueAt } from './targets.ts';

test('valueAt follows dotted paths to numbers only', () => {
  const r = { a: { b: 2, s: 'x' }, n: Number.NaN };
  assert.equal(valueAt(r, 'a.b'), 2);
  assert.equal(valueAt(r, 'a.s'), undefined);
  assert.equal(valueAt(r, 'a.c.d'), undefined);
  assert.equal(valueAt(r, 'n'), undefined);
});

test('judge applies lower and upper bounds; a missing figure is not met', () => {
  const v = judge({ efficiency: 0.93, large: { lost: 1 }, ratio: 2.5 }, [
    { figure: 'efficiency', atLeast: 0.9 },
    { figure: 'large.lost', atMost: 0 },
    { figure: 'ratio', atLeast: 1, atMost: 3, unit: '×' },
    { figure: 'absent', atMost: 5 },
  ]);
  assert.deepEqual(
    v.map((x) => [x.figure, x.value, x.target, x.met]),
    [
      ['efficiency', 0.93, '≥ 0.9', true],
      ['large.lost', 1, '≤ 0', false],
      ['ratio', 2.5, '≥ 1× and ≤ 3×', true],
      ['absent', undefined, '≤ 5', false],
    ],
  );
  assert.equal(formatVerdict(v[0] as (typeof v)[0]), 'efficiency 0.93 (target ≥ 0.9): met');
  assert.equal(formatVerdict(v[3] as (typeof v)[0]), 'absent missing (target ≤ 5): MISSED');
});
