import { sleep } from './sleep.ts';

export interface CoalesceOptions {
  // true: every request restarts the wait (quiet time after the last event); false: the earliest deadline wins (a
  // batch window that opens with the first request).
  debounce?: boolean;
  // A failed run is reported here and the scheduler goes on; without it the error is dropped.
  onError?: (err: unknown) => void;
}

export interface Coalesced {
  // Asks for a run within delayMs. Runs never overlap: a request that comes due during a run makes exactly one more
  // run right after it, however many requests came.
  request(delayMs?: number): void;
  // Resolves once nothing is scheduled or running (tests, shutdown).
  idle(): Promise<void>;
  // No more runs; resolves when the current one is over.
  close(): Promise<void>;
  readonly closed: boolean;
}

// "Serialize and coalesce": the one scheduler for watchers, queues and retry timers.
export function coalesce(job: () => Promise<unknown>, o: CoalesceOptions = {}): Coalesced {
  let timer: NodeJS.Timeout | undefined;
  let due = Number.POSITIVE_INFINITY;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const fire = (): void => {
    timer = undefined;
    due = Number.POSITIVE_INFINITY;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await job();
        } catch (e) {
          o.onError?.(e);
        }
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
  };

  return {
    request(delayMs = 0) {
      if (closed) return;
      const at = Date.now() + delayMs;
      if (timer && !o.debounce && due <= at) return;
      clearTimeout(timer);
      due = at;
      timer = setTimeout(fire, delayMs);
    },
    async idle() {
      while (running || timer) await (running ?? sleep(20));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
    get closed() {
      return closed;
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
