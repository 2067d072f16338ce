import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuMeter, type ProcStat, parseHostStat, parseStat, treeCpuMs } from './proc-cpu.ts';

test('parseStat reads pid, parent, name (spaces and parentheses included) and CPU ticks', () => {
  const s = parseStat('4242 (/usr/sbin/amavi (x)) S 4200 4242 4242 0 -1 4194560 100 0 0 0 150 25 7 3 20 0 1 0 500 0 0');
  assert.deepEqual(s, { pid: 4242, ppid: 4200, comm: '/usr/sbin/amavi (x)', ownMs: 1750, reapedMs: 100 });
});

test('treeCpuMs sums a process, its descendants and what they reaped, nothing outside the tree', () => {
  const p = (pid: number, ppid: number, ownMs: number, reapedMs = 0): ProcStat => ({ pid, ppid, comm: 'x', ownMs, reapedMs });
  const stats = [p(1, 0, 1000), p(10, 1, 5, 40), p(11, 10, 3), p(12, 10, 2), p(20, 1, 100)];
  assert.equal(treeCpuMs(stats, 10), 50);
  assert.equal(treeCpuMs(stats, 99), 0);
  // A child that exits moves its time into the parent's reaped time: the sum stays the same.
  assert.equal(treeCpuMs([p(10, 1, 5, 43), p(12, 10, 2)], 10), 50);
});

test('parseHostStat counts idle and iowait as idle', () => {
  assert.deepEqual(parseHostStat('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n'), { idle: 850, total: 1000 });
});

test('cpuMeter reports this process as the bench and a missing tree as 0', () => {
  const m = cpuMeter({ none: undefined });
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += i;
  const r = m();
  assert.equal(r.none, 0);
  assert.ok((r.bench ?? -1) >= 0 && x > 0);
});
