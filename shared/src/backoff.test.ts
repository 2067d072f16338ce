import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff.ts';

test('doubles up to the ceiling and starts over after a success', () => {
  const b = new Backoff(100, 500);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 500]);
  b.reset();
  assert.equal(b.next(), 100);
});
