import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { sleep } from './sleep.ts';

test('sleeps leave no abort listener behind, and an abort ends them at once', async () => {
  const ac = new AbortController();
  for (let i = 0; i < 50; i++) await sleep(0, ac.signal);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  const t0 = performance.now();
  const long = sleep(60_000, ac.signal);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
  ac.abort();
  await long;
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
  await sleep(60_000, ac.signal);
});
