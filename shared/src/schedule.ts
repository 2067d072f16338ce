import { sleep } from './sleep.ts';

export interface CoalesceOptions {
  // true: every request restarts the wait (quiet time after the last event); false: the earliest deadline wins (a
  // batch window that opens with the first request).
  debounce?: boolean;
  // A failed run is reported here and the scheduler goes on; without it the error rejects run()'s promise (and is
  // dropped for runs a timer started).
  onError?: (err: unknown) => void;
  // Aborted: no more runs, as after close().
  signal?: AbortSignal;
}

export interface Coalesced {
  // Asks for a run within delayMs. Runs never overlap: a request that comes due during a run makes exactly one more
  // run right after it, however many requests came.
  request(delayMs?: number): void;
  // A run now (or, during one, exactly one more right after it); resolves when that run and its reruns are over.
  run(): Promise<void>;
  // Resolves once nothing is scheduled or running (tests, shutdown).
  idle(): Promise<void>;
  // No more runs; resolves when the current one is over.
  close(): Promise<void>;
  readonly closed: boolean;
}

// "Serialize and coalesce": the one scheduler for watchers, queues and retry timers.
export function coalesce(job: () => Promise<unknown>, opts: CoalesceOptions = {}): Coalesced {
  let timer: NodeJS.Timeout | undefined;
  let due = Number.POSITIVE_INFINITY;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const stopped = () => closed || !!opts.signal?.aborted;

  const start = (): Promise<void> => {
    running = (async () => {
      try {
        do {
          again = false;
          try {
            await job();
          } catch (e) {
            if (!opts.onError) throw e;
            opts.onError(e);
          }
        } while (again && !stopped());
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const run = (): Promise<void> => {
    if (stopped()) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    return start();
  };
  const fire = (): void => {
    timer = undefined;
    due = Number.POSITIVE_INFINITY;
    run().catch(() => undefined);
  };

  return {
    run,
    request(delayMs = 0) {
      if (stopped()) return;
      const at = Date.now() + delayMs;
      if (timer && !opts.debounce && due <= at) return;
      clearTimeout(timer);
      due = at;
      timer = setTimeout(fire, delayMs);
    },
    async idle() {
      while (running || timer) await (running?.catch(() => undefined) ?? sleep(20));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
    get closed() {
      return stopped();
    },
  };
}

// Runs async jobs one after another in call order, each with its own result: work on the same files never interleaves.
export function serial(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(job: () => Promise<T>) => {
    const r = tail.then(job);
    tail = r.catch(() => undefined);
    return r;
  };
}
