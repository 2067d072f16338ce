import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../fs/write.ts';
import { lockFile } from '../lock.ts';
import type { Logger } from '../log.ts';
import type { MtaPaths } from '../paths.ts';
import { coalesce } from '../schedule.ts';
import { type DaemonRef, daemonAgeMs, type SignalOutcome, signalDaemon } from '../signal.ts';
import { sleep } from '../sleep.ts';
import { amavisDaemon } from './daemon.ts';

// amavis re-executes itself on SIGHUP, and a second SIGHUP before its handlers are back kills it (perl's default):
// two reloads in a row (a fleet key rotation, rules from sa-update at the same moment, an operator) would take the
// filter down. Every reload, from any process, therefore goes through reloadAmavis: one at a time (a lock under
// run/mta), at least gapMs after the last signal whoever sent it (a stamp beside the lock) and after amavis started,
// and a request that a signal sent after it already covers sends none.
export const AMAVIS_RELOAD_GAP_MS = 20_000;

export type ReloadOutcome = 'reloaded' | 'covered' | 'not running';

export interface AmavisReloadOptions {
  paths: MtaPaths;
  log: Logger;
  // Who asks (logged): dkim-keys, sa-update, cli.
  reason: string;
  // Default: amavisDaemon(paths).
  daemon?: DaemonRef;
  gapMs?: number;
  signal?: AbortSignal;
  // Sends the SIGHUP (tests count them); default signalDaemon.
  send?: (daemon: DaemonRef) => Promise<SignalOutcome>;
  // How long amavis has been running (tests); default daemonAgeMs.
  age?: (daemon: DaemonRef) => Promise<number | undefined>;
  // Default: shared sleep (tests give one whose timer fires early).
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

// CLOCK_MONOTONIC in ms, to the ns: the same clock in every process of the host, unaffected by changes of the wall
// clock, and fine enough that a signal and a request never share a stamp ("covered" compares them).
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

const lockPath = (paths: MtaPaths) => join(paths.run, 'amavis-reload.lock');
const stampPath = (paths: MtaPaths) => join(paths.run, 'amavis-reload.last');

// When the last SIGHUP was being sent (monotonic ms): `from` is taken before the signal and `to` after it, so a
// request counts as covered only when made before the signal for sure, and the gap runs from its end. A stamp from
// before a reboot of the host (in the future of this boot's clock) is no stamp.
export interface ReloadStamp {
  from: number;
  to: number;
}
const NO_STAMP: ReloadStamp = { from: Number.NEGATIVE_INFINITY, to: Number.NEGATIVE_INFINITY };

export async function lastReload(paths: MtaPaths): Promise<ReloadStamp> {
  const [from = 0, to = from] = (await readFile(stampPath(paths), 'utf8').catch(() => '')).trim().split(' ').map(Number);
  const valid = (at: number) => Number.isFinite(at) && at > 0 && at <= monotonicMs();
  return valid(from) && valid(to) && from <= to ? { from, to } : NO_STAMP;
}

// One reload of amavis, spaced from every other one: waits for the lock, then for the gap, then sends SIGHUP.
export async function reloadAmavis(opts: AmavisReloadOptions): Promise<ReloadOutcome> {
  const asked = monotonicMs();
  const gap = opts.gapMs ?? AMAVIS_RELOAD_GAP_MS;
  await mkdir(opts.paths.run, { recursive: true, mode: 0o755 });
  const release = await lockFile(lockPath(opts.paths), { signal: opts.signal });
  try {
    const last = await lastReload(opts.paths);
    // A SIGHUP sent after this request was made: amavis re-reads everything that was on disk when it was asked.
    if (last.from >= asked) {
      opts.log.debug({ event: 'amavis.reload.covered', reason: opts.reason }, 'amavis: a reload sent since covers this one');
      return 'covered';
    }
    const daemon = opts.daemon ?? (await amavisDaemon(opts.paths));
    // amavis that has only just started is as fragile as one re-executing: its start opens a gap too.
    const age = await (opts.age ?? ((d) => daemonAgeMs(d, opts.log)))(daemon);
    const now = monotonicMs();
    const ready = now + Math.max(last.to + gap - now, age === undefined ? 0 : gap - age);
    if (ready > now) {
      opts.log.info(
        { event: 'amavis.reload.wait', reason: opts.reason, ms: Math.round(ready - now) },
        `amavis reload in ${Math.ceil((ready - now) / 1000)} s (reloads are ${gap / 1000} s apart)`,
      );
      // libuv's timers run on CLOCK_MONOTONIC_COARSE, a tick behind this clock, and may fire that much early; the
      // gap is what keeps amavis alive, so the wait ends by this clock.
      const wait = opts.sleep ?? sleep;
      while (monotonicMs() < ready) {
        await wait(ready - monotonicMs(), opts.signal);
        if (opts.signal?.aborted) return 'not running';
      }
    }
    const from = monotonicMs();
    const via = await (opts.send ?? ((d) => signalDaemon(d, 'SIGHUP', opts.log)))(daemon);
    if (via === 'not running') {
      opts.log.debug({ event: 'amavis.reload.skipped', reason: opts.reason }, 'amavis not running; nothing to reload');
      return 'not running';
    }
    await writeAtomic(stampPath(opts.paths), `${from} ${monotonicMs()}\n`, { mode: 0o644 });
    opts.log.info({ event: 'amavis.reload', via, reason: opts.reason }, `amavis reloaded (${opts.reason})`);
    return 'reloaded';
  } finally {
    await release();
  }
}

export interface SpacedReload {
  // Right after a quiet gap the reload runs now (and is awaited); within the gap it is scheduled, and requests
  // meanwhile become one.
  reload: () => Promise<void>;
  close: () => Promise<void>;
}

// reloadAmavis for a long-running process whose callers must not wait out the gap (the dkim-keys service).
export function spacedReload(opts: Omit<AmavisReloadOptions, 'signal'>): SpacedReload {
  const stop = new AbortController();
  const job = coalesce(() => reloadAmavis({ ...opts, signal: stop.signal }), {
    signal: stop.signal,
    onError: (e) => opts.log.warn({ event: 'amavis.reload.failed', err: (e as Error).message }, 'amavis reload failed'),
  });
  return {
    reload: async () => {
      const gap = opts.gapMs ?? AMAVIS_RELOAD_GAP_MS;
      const age = await (opts.age ?? ((d) => daemonAgeMs(d, opts.log)))(opts.daemon ?? (await amavisDaemon(opts.paths)));
      if (monotonicMs() - (await lastReload(opts.paths)).to >= gap && (age === undefined || age >= gap)) return job.run();
      job.request();
    },
    close: async () => {
      stop.abort();
      await job.close();
    },
  };
}
