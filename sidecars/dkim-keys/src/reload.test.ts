import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep } from '@mta/shared';
import { spacedReload } from './reload.ts';

test('amavis reloads: the first at once, a burst within the gap becomes one reload when the gap is over', async () => {
  const at: number[] = [];
  const t0 = Date.now();
  const r = spacedReload(async () => at.push(Date.now() - t0) > 0, 300);
  await r.reload();
  assert.equal(at.length, 1, 'the first reload is not delayed');
  for (let i = 0; i < 3; i++) await r.reload();
  assert.equal(at.length, 1, 'no second SIGHUP while amavis may still be re-executing');
  await sleep(450);
  assert.equal(at.length, 2, 'the burst became exactly one reload');
  assert.ok((at[1] ?? 0) - (at[0] ?? 0) >= 290, `gap kept: ${at.join(', ')}`);
  await sleep(350);
  await r.reload();
  assert.equal(at.length, 3, 'after a quiet gap the next reload is immediate again');
  await r.close();
});

test('a reload asked for while the signal is going out waits for the gap too', async () => {
  let n = 0;
  const r = spacedReload(async () => {
    n++;
    await sleep(50);
    return true;
  }, 300);
  await Promise.all([r.reload(), r.reload()]);
  assert.equal(n, 1, 'never two SIGHUPs back to back');
  await sleep(400);
  assert.equal(n, 2);
  await r.close();
});

test('a reload that found amavis not running starts no gap', async () => {
  let n = 0;
  const r = spacedReload(async () => {
    n++;
    return false;
  }, 10_000);
  await r.reload();
  await r.reload();
  assert.equal(n, 2);
  await r.close();
});

test('close drops a scheduled reload', async () => {
  let n = 0;
  const r = spacedReload(async () => ++n > 0, 200);
  await r.reload();
  await r.reload();
  await r.close();
  await sleep(300);
  assert.equal(n, 1);
});
