import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hookOk, runHook } from './hook.ts';

// Running, not merely a zombie waiting for a reaper (the test runner's pid 1 may never reap orphans).
const alive = async (pid: number): Promise<boolean> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
};

describe('runHook', () => {
  it('reports success and failure without throwing', async () => {
    const ok = await runHook('true', 5000);
    assert.equal(hookOk(ok), true);
    const bad = await runHook('echo broken >&2; false', 5000);
    assert.deepEqual([bad.exitCode, bad.timedOut, bad.outputTail, hookOk(bad)], [1, false, 'broken', false]);
  });

  it('kills a hook that overruns its timeout, children included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acme-hook-'));
    try {
      const pidFile = join(dir, 'pid');
      const t0 = performance.now();
      const r = await runHook(`sleep 30 & echo $! > ${pidFile}; wait`, 300, 500);
      assert.equal(r.timedOut, true);
      assert.equal(hookOk(r), false);
      assert.ok(performance.now() - t0 < 3000, 'returned soon after the timeout');
      const sleeper = Number(await readFile(pidFile, 'utf8'));
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(await alive(sleeper), false, 'background child of the hook was killed too');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('escalates to SIGKILL when the hook ignores SIGTERM', async () => {
    const r = await runHook("trap '' TERM; sleep 30; sleep 30", 200, 300);
    assert.equal(r.timedOut, true);
    assert.ok(r.durationMs < 3000);
  });
});
