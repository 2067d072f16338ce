import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coalesce, serial } from './schedule.ts';
import { sleep } from './sleep.ts';

test('requests during a run coalesce into exactly one more run; runs never overlap', async () => {
  let active = 0;
  let runs = 0;
  let maxActive = 0;
  const s = coalesce(async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    runs++;
    await sleep(30);
    active--;
  });
  s.request();
  await sleep(5);
  for (let i = 0; i < 10; i++) s.request();
  await s.idle();
  assert.equal(runs, 2);
  assert.equal(maxActive, 1);
  await s.close();
  s.request();
  await sleep(10);
  assert.equal(runs, 2, 'closed: no more runs');
});

test('debounce restarts the wait; otherwise the earliest deadline wins', async () => {
  const at: Record<string, number> = {};
  const t0 = Date.now();
  const debounced = coalesce(async () => void (at.debounced = Date.now() - t0), { debounce: true });
  const windowed = coalesce(async () => void (at.windowed = Date.now() - t0));
  debounced.request(40);
  windowed.request(40);
  await sleep(25);
  debounced.request(40);
  windowed.request(40);
  await Promise.all([debounced.idle(), windowed.idle()]);
  assert.ok((at.debounced ?? 0) >= 60, `debounced ran at ${at.debounced} ms`);
  assert.ok((at.windowed ?? 0) < 60, `windowed ran at ${at.windowed} ms`);
  windowed.request(1000);
  windowed.request(0);
  const t1 = Date.now();
  await windowed.idle();
  assert.ok(Date.now() - t1 < 500, 'an earlier request brings the run forward');
});

test('a failed run is reported and the scheduler goes on', async () => {
  const errors: unknown[] = [];
  let n = 0;
  const s = coalesce(
    async () => {
      if (n++ === 0) throw new Error('boom');
    },
    { onError: (e) => errors.push(e) },
  );
  s.request();
  await s.idle();
  s.request();
  await s.idle();
  assert.equal(n, 2);
  assert.equal(errors.length, 1);
});

test('serial runs jobs in call order and keeps each result', async () => {
  const run = serial();
  const order: number[] = [];
  const slow = run(async () => {
    await sleep(20);
    order.push(1);
    return 'a';
  });
  const failing = run(async () => {
    order.push(2);
    throw new Error('x');
  });
  const fast = run(async () => {
    order.push(3);
    return 'c';
  });
  assert.equal(await slow, 'a');
  await assert.rejects(failing);
  assert.equal(await fast, 'c');
  assert.deepEqual(order, [1, 2, 3]);
});

test('run() starts at once and resolves after the run and the one rerun it may cause; errors reject without onError', async () => {
  let runs = 0;
  const s = coalesce(async () => {
    runs++;
    await sleep(20);
  });
  const first = s.run();
  const second = s.run();
  const third = s.run();
  await Promise.all([first, second, third]);
  assert.equal(runs, 2);
  const failing = coalesce(async () => {
    throw new Error('boom');
  });
  await assert.rejects(failing.run(), /boom/);
  const ac = new AbortController();
  const aborted = coalesce(async () => void runs++, { signal: ac.signal });
  ac.abort();
  await aborted.run();
  assert.equal(runs, 2);
});
