import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, sleep } from './backoff.ts';

test('doubles up to the ceiling and starts over after a success', () => {
  const b = new Backoff(100, 500);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 500]);
  b.reset();
  assert.equal(b.next(), 100);
});

test('sleep ends early on abort', async () => {
  const ac = new AbortController();
  const t = Date.now();
  setTimeout(() => ac.abort(), 20);
  await sleep(10_000, ac.signal);
  assert.ok(Date.now() - t < 1000);
});
