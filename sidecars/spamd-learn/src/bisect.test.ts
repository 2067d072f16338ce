import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvironmentFailure, learnBisect } from './bisect.ts';

// A learner over plain numbers that refuses the "poisoned" ones: the bisection logic is what is tested here.
function learner(poisoned: Set<number>, dbOk = true) {
  const calls: number[][] = [];
  return {
    calls,
    ops: {
      learn: async (part: readonly number[]) => {
        calls.push([...part]);
        return part.some((n) => poisoned.has(n)) ? 'bad input' : undefined;
      },
      healthy: async () => (dbOk ? undefined : 'lock failed'),
    },
  };
}

test('a good batch is one call', async () => {
  const l = learner(new Set());
  const r = await learnBisect([1, 2, 3, 4], l.ops);
  assert.deepEqual(r, { learned: [1, 2, 3, 4], bad: [] });
  assert.equal(l.calls.length, 1);
});

test('the one bad file is isolated and everything else is learned', async () => {
  const l = learner(new Set([6]));
  const items = Array.from({ length: 16 }, (_, i) => i);
  const r = await learnBisect(items, l.ops);
  assert.deepEqual(r.bad, [{ item: 6, reason: 'bad input' }]);
  assert.deepEqual(
    [...r.learned].sort((a, b) => a - b),
    items.filter((i) => i !== 6),
  );
  assert.ok(l.calls.length <= 2 * Math.log2(16) + 1, `${l.calls.length} calls`);
});

test('a broken DB is an environment failure, not a bad file', async () => {
  const l = learner(new Set([1, 2, 3]), false);
  await assert.rejects(learnBisect([1, 2, 3], l.ops), EnvironmentFailure);
  assert.equal(l.calls.length, 1, 'no bisection when the DB is the problem');
});

test('learned parts are reported as they succeed', async () => {
  const l = learner(new Set([0]));
  const seen: number[][] = [];
  await learnBisect([0, 1, 2, 3], { ...l.ops, onLearned: async (p) => void seen.push([...p]) });
  assert.deepEqual(seen, [[1], [2, 3]]);
});
