import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockFile } from './lock.ts';
import { sleep } from './sleep.ts';
import { tempTree } from './temp-tree.test-helper.ts';

const dir = tempTree('mta-lock-');

test('one holder at a time; the next one gets the lock when it is released', async () => {
  const file = join(dir, 'a.lock');
  const first = await lockFile(file);
  let second = false;
  const next = lockFile(file).then((r) => {
    second = true;
    return r;
  });
  await sleep(200);
  assert.equal(second, false, 'still held');
  await first();
  await (await next)();
  assert.equal(second, true);
});

test('a holder that is killed leaves no lock behind', async () => {
  const file = join(dir, 'b.lock');
  const url = new URL('./lock.ts', import.meta.url).href;
  const holder = spawn(process.execPath, [
    '--import',
    'tsx',
    '-e',
    `import(${JSON.stringify(url)}).then(async (m) => { await m.lockFile(${JSON.stringify(file)}); console.log('held'); setInterval(() => {}, 1000); })`,
  ]);
  await new Promise<void>((r) => holder.stdout.once('data', () => r()));
  const waiting = lockFile(file);
  await sleep(100);
  holder.kill('SIGKILL');
  const release = await waiting;
  await release();
});

test('waiting gives up when aborted', async () => {
  const file = join(dir, 'c.lock');
  const held = await lockFile(file);
  const ac = new AbortController();
  const waiting = lockFile(file, { signal: ac.signal });
  ac.abort();
  await assert.rejects(waiting, /gave up waiting for the lock/);
  await held();
});
