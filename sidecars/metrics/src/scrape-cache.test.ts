import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheFor } from './scrape-cache.ts';

test('concurrent callers share one reading; it answers for ttl after it finished, then a new one runs', async () => {
  let clock = 0;
  let reads = 0;
  let release: () => void = () => undefined;
  const cached = cacheFor(
    () =>
      new Promise<number>((r) => {
        reads++;
        release = () => r(reads);
      }),
    1000,
    () => clock,
  );
  const burst = [cached(), cached(), cached()];
  release();
  assert.deepEqual(await Promise.all(burst), [1, 1, 1]);
  clock = 999;
  assert.equal(await cached(), 1);
  clock = 1000;
  const next = cached();
  release();
  assert.equal(await next, 2);
  assert.equal(reads, 2);
});

test('a failed reading is not kept; ttl 0 reads on every call (one at a time)', async () => {
  let fail = true;
  let reads = 0;
  const cached = cacheFor(async () => {
    reads++;
    if (fail) throw new Error('queue unreadable');
    return reads;
  }, 60_000);
  await assert.rejects(cached(), /queue unreadable/);
  fail = false;
  assert.equal(await cached(), 2);
  assert.equal(await cached(), 2);
  let n = 0;
  const uncached = cacheFor(async () => ++n, 0);
  assert.equal(await uncached(), 1);
  assert.equal(await uncached(), 2);
  const [a, b] = [uncached(), uncached()];
  assert.equal(await a, 3);
  assert.equal(await b, 3, 'calls during a reading still share it');
});
