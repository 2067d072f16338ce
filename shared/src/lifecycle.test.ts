import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lifecycle } from './lifecycle.ts';

test('a signal aborts, runs cleanups newest first, then exits 0', async () => {
  const order: string[] = [];
  const exited = new Promise<number>((resolve) => {
    const lc = lifecycle({ signals: ['SIGUSR2'], exit: ((c: number) => resolve(c)) as (c: number) => never });
    lc.onShutdown(() => order.push('first'));
    lc.onShutdown(async () => {
      assert.ok(lc.signal.aborted);
      order.push('second');
    });
  });
  process.kill(process.pid, 'SIGUSR2');
  assert.equal(await exited, 0);
  assert.deepEqual(order, ['second', 'first']);
});

test('a hanging cleanup cannot hold the process past the grace period', async () => {
  const t0 = Date.now();
  const code = await new Promise<number>((resolve) => {
    const lc = lifecycle({ signals: [], graceMs: 100, exit: ((c: number) => resolve(c)) as (c: number) => never });
    lc.onShutdown(() => new Promise(() => {}));
    void lc.shutdown(0, 'test');
  });
  assert.equal(code, 1);
  assert.ok(Date.now() - t0 < 1000);
});
