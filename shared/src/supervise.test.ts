import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SuperviseOptions, supervise } from './supervise.ts';

// A follow loop whose run fails `times` times, then ends it.
function failingThenStop(times: number, o: Partial<SuperviseOptions> = {}) {
  let calls = 0;
  return supervise({
    follow: true,
    run: async () => {
      if (++calls <= times) throw new Error(`fail ${calls}`);
      return 'stop';
    },
    ...o,
  });
}

test('follow: a failing run is retried with growing pauses, errors counted, recovery reported, stop ends it', async () => {
  const seen: number[] = [];
  const at: number[] = [];
  let recovered = 0;
  const loop = failingThenStop(4, {
    firstMs: 10,
    maxMs: 40,
    onError: (_e, n) => {
      seen.push(n);
      at.push(performance.now());
    },
    onRecover: () => {
      recovered++;
      at.push(performance.now());
    },
  });
  await loop.done;
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal(recovered, 1);
  const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
  // 10, 20, 40, 40 (capped); timers may fire late, never early.
  assert.ok(gaps[0]! >= 9 && gaps[1]! >= 19 && gaps[2]! >= 39 && gaps[3]! >= 39, gaps.join(','));
});

test('demand: runs only when kicked; kicks during a run coalesce into one more run', async () => {
  let runs = 0;
  let release: () => void = () => {};
  const loop = supervise({
    follow: false,
    run: async () => {
      runs++;
      await new Promise<void>((r) => {
        release = r;
      });
    },
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(runs, 0);
  loop.kick();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(runs, 1);
  for (let i = 0; i < 5; i++) loop.kick();
  release();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(runs, 2);
  release();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(runs, 2);
  await loop.close();
});

test('close aborts the running run and a pending pause, and leaves no abort listener behind', async () => {
  let aborted = false;
  const loop = supervise({
    follow: true,
    firstMs: 60_000,
    run: (signal) =>
      new Promise((_r, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      }),
  });
  await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  await loop.close();
  assert.ok(aborted);
  assert.ok(performance.now() - t0 < 1000);
  // A long retry loop must not pile up listeners (MaxListenersExceededWarning).
  const warnings: string[] = [];
  process.on('warning', (w) => warnings.push(w.name));
  await failingThenStop(200, { firstMs: 1, maxMs: 1 }).done;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(warnings, []);
});
