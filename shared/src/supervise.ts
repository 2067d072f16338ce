import { sleep as pause } from './sleep.ts';

// What a run may tell the loop: 'stop' ends it for good (the work is finished or its source closed); anything
// else (usually nothing) lets it go on.
export type RunResult = unknown;

export interface SuperviseOptions {
  // One run. Throws to be retried after a pause; its signal aborts on close().
  run: (signal: AbortSignal) => Promise<RunResult>;
  // true: run again as soon as a run ends (a feed that ended, e.g. after a reconnect). false: run again only after
  // kick(); a failed run is retried on its own until it succeeds.
  follow: boolean;
  // Pause after the first failure, doubled after each further one up to maxMs (and after a follow run ended).
  firstMs?: number;
  maxMs?: number;
  // Each failure with how many came in a row (1 = the first): callers log the first and stay quiet after.
  onError?: (err: Error, failures: number) => void;
  // The first success after failures.
  onRecover?: () => void;
}

export interface Supervised {
  // Asks for a run (demand loops); several kicks during a run coalesce into one more run.
  kick: () => void;
  // Aborts the current run and waits for the loop to end.
  close: () => Promise<void>;
  // Settles when the loop ended (a run returned 'stop', or close()).
  done: Promise<void>;
}

// The one retry loop of the project: runs `run` again and again (follow) or on demand, with capped exponential
// backoff after failures, one run at a time, and a prompt stop. Bus connections and fleet loops are built on it.
export function supervise(opts: SuperviseOptions): Supervised {
  const stop = new AbortController();
  let wanted = opts.follow;
  let wake: (() => void) | undefined;
  let current: AbortController | undefined;
  const first = opts.firstMs ?? 250;
  const done = (async () => {
    let failures = 0;
    while (!stop.signal.aborted) {
      if (!wanted) {
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
        continue;
      }
      wanted = opts.follow;
      const run = new AbortController();
      current = run;
      try {
        const r = await opts.run(run.signal);
        if (failures) opts.onRecover?.();
        failures = 0;
        if (r === 'stop') return;
        if (opts.follow) await pause(first, stop.signal);
      } catch (e) {
        if (stop.signal.aborted) return;
        failures++;
        wanted = true;
        opts.onError?.(e instanceof Error ? e : new Error(String(e)), failures);
        await pause(Math.min(first * 2 ** (failures - 1), opts.maxMs ?? 5000), stop.signal);
      } finally {
        current = undefined;
      }
    }
  })();
  return {
    kick: () => {
      wanted = true;
      wake?.();
    },
    close: async () => {
      stop.abort();
      current?.abort();
      wake?.();
      await done;
    },
    done,
  };
}
