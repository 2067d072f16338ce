import { closeSync, constants, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.ts';
import type { Logger } from './log.ts';

export interface DaemonRef {
  // The daemon's runit service dir: while runsv supervises it, `sv` delivers the signal and no pid file is read.
  service?: string;
  // Otherwise pid files, first live one wins; a pid is signalled only when /proc shows the expected command and uid.
  pidFiles?: readonly string[];
  // Matched against /proc/PID/comm (the first 15 bytes of the name a process gave itself).
  comm: RegExp;
  // The real and effective uid the daemon runs as: a pid file its own uid can write may name any process of any user.
  uid: number;
  // Tests only.
  procRoot?: string;
}

export type SignalOutcome = 'supervisor' | 'signalled' | 'not running';

// runit's names for the signals `sv` can send.
const SV_COMMAND: Partial<Record<NodeJS.Signals, string>> = {
  SIGHUP: 'hup',
  SIGTERM: 'term',
  SIGINT: 'interrupt',
  SIGALRM: 'alarm',
  SIGQUIT: 'quit',
  SIGUSR1: '1',
  SIGUSR2: '2',
  SIGCONT: 'cont',
  SIGSTOP: 'pause',
};

// What /proc says about a pid: its command name and real/effective uids, or undefined when it is gone.
async function procIdentity(pid: number, procRoot = '/proc'): Promise<{ comm: string; uids: number[] } | undefined> {
  try {
    const [comm, status] = await Promise.all([
      readFile(join(procRoot, String(pid), 'comm'), 'utf8'),
      readFile(join(procRoot, String(pid), 'status'), 'utf8'),
    ]);
    const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    return { comm: comm.trim(), uids: uids ? [Number(uids[1]), Number(uids[2])] : [] };
  } catch {
    return undefined;
  }
}

// Whether runsv is running for a service dir: what `sv` itself checks (supervise/ok is a FIFO with runsv reading it;
// after a restart of the container the FIFO is still there, with no reader).
export function supervised(service: string): boolean {
  try {
    closeSync(openSync(join(service, 'supervise', 'ok'), constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}

// Signals a daemon without trusting what a less-privileged user can write: through its supervisor when it has one,
// else a pid from a pid file only after /proc confirmed command and uid. Anything else is logged and left alone.
export async function signalDaemon(d: DaemonRef, signal: NodeJS.Signals, log?: Logger): Promise<SignalOutcome> {
  const sv = SV_COMMAND[signal];
  if (d.service && sv && supervised(d.service)) {
    // Supervised: its pid files are never read. A stopped service is simply not running.
    const ok = await run('sv', [sv, d.service], { timeoutMs: 10_000, log }).then(
      () => true,
      (e: Error) => {
        log?.debug({ event: 'signal.sv', service: d.service, err: e.message }, 'sv could not signal');
        return false;
      },
    );
    return ok ? 'supervisor' : 'not running';
  }
  for (const pid of await verifiedPids(d, log, signal)) {
    try {
      process.kill(pid, signal);
      return 'signalled';
    } catch {
      // exited since we looked
    }
  }
  return 'not running';
}

// The pids in the daemon's pid files that /proc confirms (command and uid); the others are logged and skipped.
async function verifiedPids(d: DaemonRef, log?: Logger, signal?: NodeJS.Signals): Promise<number[]> {
  const out: number[] = [];
  for (const file of d.pidFiles ?? []) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (!/^\s*\d+\s*$/.test(text)) continue;
    const pid = Number(text);
    if (pid <= 1) continue;
    const who = await procIdentity(pid, d.procRoot);
    if (!who) continue;
    if (!d.comm.test(who.comm) || who.uids.some((u) => u !== d.uid)) {
      log?.warn(
        { event: 'signal.refused', pidFile: file, pid, comm: who.comm, uids: who.uids, ...(signal ? { signal } : {}) },
        `${file} names pid ${pid} (${who.comm}), not the expected daemon${signal ? ': not signalled' : ''}`,
      );
      continue;
    }
    out.push(pid);
  }
  return out;
}

// How long the daemon's process has been running (ms), or undefined when it is not: runit's record of its pid when
// supervised, else a confirmed pid file. A daemon that re-executes itself keeps its pid, and so its age.
export async function daemonAgeMs(d: DaemonRef, log?: Logger): Promise<number | undefined> {
  const procRoot = d.procRoot ?? '/proc';
  let pid: number | undefined;
  if (d.service && supervised(d.service)) {
    const text = await readFile(join(d.service, 'supervise', 'pid'), 'utf8').catch(() => '');
    pid = /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
  } else pid = (await verifiedPids(d, log))[0];
  if (!pid) return undefined;
  try {
    const [stat, uptime] = await Promise.all([
      readFile(join(procRoot, String(pid), 'stat'), 'utf8'),
      readFile(join(procRoot, 'uptime'), 'utf8'),
    ]);
    // Field 22, start time in clock ticks since boot (100 per second on Linux), counted after the "(comm)" field.
    const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) * 10;
    const now = Number(uptime.split(' ')[0]) * 1000;
    return Number.isFinite(started) && Number.isFinite(now) ? Math.max(0, now - started) : undefined;
  } catch {
    return undefined;
  }
}
