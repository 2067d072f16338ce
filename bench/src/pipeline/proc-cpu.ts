import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture we run on.
const TICK_MS = 10;

// The fields of /proc/PID/stat a CPU profile needs; the name sits in parentheses and may itself contain spaces.
export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  // Own user + system time, and that of children it has waited for (exited children count here, live ones do not).
  ownMs: number;
  reapedMs: number;
}

// One /proc/PID/stat line.
export function parseStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  const n = (i: number) => Number(f[i]);
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    comm: text.slice(text.indexOf('(') + 1, close),
    ppid: n(1),
    ownMs: (n(11) + n(12)) * TICK_MS,
    reapedMs: (n(13) + n(14)) * TICK_MS,
  };
}

// CPU used so far by a process and all its descendants, live or exited: each process's own time plus what it has
// reaped, summed over the live tree. A child that exits between two readings moves from its own entry into its
// parent's reaped time, so the difference of two readings stays exact (daemons that pre-fork and recycle children).
export function treeCpuMs(stats: readonly ProcStat[], root: number): number {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  let ms = 0;
  const stack = stats.filter((s) => s.pid === root);
  while (stack.length) {
    const s = stack.pop() as ProcStat;
    ms += s.ownMs + s.reapedMs;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return ms;
}

// Every process's stat now (processes that vanish while being read are skipped).
function readStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      out.push(parseStat(readFileSync(`/proc/${d}/stat`, 'utf8')));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

// CPU milliseconds per named process tree (plus this process, which hosts the sink and the test DNS) since start.
export function cpuMeter(roots: Record<string, number | undefined>): () => Record<string, number> {
  const read = () => {
    const stats = readStats();
    const own = process.cpuUsage();
    return {
      ...Object.fromEntries(Object.entries(roots).map(([k, pid]) => [k, pid ? treeCpuMs(stats, pid) : 0])),
      bench: (own.user + own.system) / 1000,
    } as Record<string, number>;
  };
  const start = read();
  return () => {
    const now = read();
    return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.round(v - (start[k] ?? 0))]));
  };
}

// Idle and total jiffies of the whole machine from /proc/stat's first line (idle includes iowait).
export function parseHostStat(text: string): { idle: number; total: number } {
  const f = (text.split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
}

// Share of the machine's CPU time that stayed idle since the call (a phase that keeps every CPU busy is near 0;
// other work on a shared machine also lowers it).
export function idleMeter(): () => number {
  const read = () => parseHostStat(readFileSync('/proc/stat', 'utf8'));
  const a = read();
  return () => {
    const b = read();
    return b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : 0;
  };
}
