import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import { eventually, fileScope, tempRoot } from '../harness/index.ts';
import { message } from './corpus.ts';
import { bayesCounts, countFiles, drop, failedDir, makeLib, startLearner } from './learner.ts';

const cleanups = fileScope();

// Every process below pid (children of children…), read from /proc.
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent)
      if (pp === p) {
        out.push(c);
        walk(c);
      }
  };
  walk(pid);
  return out;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

test('kill -9 in the middle of a batch, restart: every file learned, none left behind', async () => {
  const { dir: root, cleanup } = await tempRoot('mta-spamd-');
  cleanups.defer(cleanup);
  const lib = await makeLib(root);
  for (let i = 0; i < 400; i++) await drop(lib, 'spam', `S${i}.eml`, message('spam', i));
  const env = { NATS_URL: 'nats://127.0.0.1:1', SPAMD_BATCH_MS: '200', SPAMD_BATCH_MAX: '150' };
  const first = startLearner(root, lib, env);
  cleanups.defer(() => first.stop());
  const pid = first.proc.pid as number;

  // Wait until sa-learn is learning a batch, then kill the whole process tree at once, as a container crash would.
  const victims = await eventually(
    () => {
      const tree = descendants(pid);
      return tree.some((p) => /sa-learn .*--spam/.test(cmdline(p))) ? tree : undefined;
    },
    20_000,
    'sa-learn running',
  );
  for (const p of [pid, ...victims]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
  await eventually(() => first.proc.signalCode === 'SIGKILL', 5000, 'first learner dead');
  const left = await countFiles(join(lib, 'spam'));
  assert.ok(left > 0, 'the batch in flight was not deleted');

  const second = startLearner(root, lib, env);
  cleanups.defer(() => second.stop());
  await eventually(async () => (await countFiles(join(lib, 'spam'))) === 0, 40_000, 'spam folder empty after restart');
  await eventually(async () => (await bayesCounts(mtaPaths(root).bayes)).nspam === 400, 15_000, 'nspam 400');
  assert.equal(await countFiles(failedDir(root)), 0);
  assert.equal(await countFiles(join(root, 'run/mta/spamd-learn/sidecar')), 0, 'no stale copies');
});
