import type { Logger } from './log.ts';

export type Cleanup = () => unknown | Promise<unknown>;

export interface Lifecycle {
  // Aborted on SIGTERM/SIGINT: long-running loops and child processes watch it.
  signal: AbortSignal;
  // Registered cleanups run in reverse order on shutdown.
  onShutdown(fn: Cleanup): void;
  // Programmatic shutdown (fatal error, one-shot finished).
  shutdown(exitCode?: number, reason?: string): Promise<never>;
}

export interface LifecycleOptions {
  log?: Logger;
  // Hard deadline: the process exits by then even if a cleanup hangs (docker stop waits 10 s).
  graceMs?: number;
  exit?: (code: number) => never;
  signals?: readonly NodeJS.Signals[];
  // Exit status after SIGTERM/SIGINT: 0 for a service (a normal stop), non-zero for a one-shot cut short.
  signalExitCode?: number;
}

// Graceful shutdown: abort, run cleanups newest first, exit within graceMs no matter what.
export function lifecycle(opts: LifecycleOptions = {}): Lifecycle {
  const ac = new AbortController();
  const cleanups: Cleanup[] = [];
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const graceMs = opts.graceMs ?? 5000;
  let stopping: Promise<never> | undefined;

  const shutdown = (exitCode = 0, reason = 'shutdown'): Promise<never> => {
    stopping ??= (async () => {
      opts.log?.info({ event: 'lifecycle.stop', reason }, 'stopping');
      ac.abort(reason);
      const timer = setTimeout(() => {
        opts.log?.warn({ event: 'lifecycle.timeout', graceMs }, 'cleanup took too long; exiting');
        exit(exitCode || 1);
      }, graceMs);
      timer.unref();
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (e) {
          opts.log?.warn({ err: e }, 'cleanup failed');
        }
      }
      clearTimeout(timer);
      return exit(exitCode);
    })();
    return stopping;
  };

  for (const sig of opts.signals ?? (['SIGTERM', 'SIGINT'] as const)) process.once(sig, () => void shutdown(opts.signalExitCode ?? 0, sig));
  return { signal: ac.signal, onShutdown: (fn) => void cleanups.push(fn), shutdown };
}
