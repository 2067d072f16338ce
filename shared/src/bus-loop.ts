import type { NatsConnection, QueuedIterator, Status } from '@nats-io/nats-core';
import type { Logger } from './log.ts';
import { type RunResult, type Supervised, supervise } from './supervise.ts';

export interface BusLoopOptions {
  // The bus's live connection; resolves undefined once the bus closed first (the loop then ends).
  connection: () => Promise<NatsConnection | undefined>;
  // One session on a live connection. Its signal aborts on close() and when the client moved to another server
  // (ours died: watches and consumers on it may be stale, so the session starts over on the new one).
  session: (nc: NatsConnection, signal: AbortSignal) => Promise<RunResult>;
  // See supervise(): follow = a feed that runs for good; otherwise runs on kick().
  follow: boolean;
  log: Logger;
  // Logged (warn) on the first failure of an outage, with `facts`; `info` once it works again.
  unavailable: { event: string; msg: string };
  facts?: Record<string, unknown>;
  firstMs?: number;
  maxMs?: number;
}

// Resolves the connection, or undefined when the signal aborts first.
function untilAborted<T>(p: Promise<T | undefined>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// Aborts `ac` when the client reports a reconnect; the status listener goes away with the session.
async function abortOnReconnect(nc: NatsConnection, ac: AbortController): Promise<void> {
  const statuses = nc.status() as QueuedIterator<Status>;
  ac.signal.addEventListener('abort', () => statuses.stop(), { once: true });
  for await (const s of statuses) if (s.type === 'reconnect') return ac.abort();
}

// The supervised bus loop: connect -> session (consume, watch, publish) -> retry with backoff -> stop. Every fleet
// feed and publisher is one of these; failures are logged once per outage, never thrown.
export function busLoop(opts: BusLoopOptions): Supervised {
  return supervise({
    follow: opts.follow,
    firstMs: opts.firstMs,
    maxMs: opts.maxMs,
    run: async (signal) => {
      const nc = await untilAborted(opts.connection(), signal);
      if (!nc || signal.aborted) return 'stop';
      const session = new AbortController();
      const onAbort = () => session.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      void abortOnReconnect(nc, session);
      try {
        return await opts.session(nc, session.signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
        session.abort();
      }
    },
    onError: (err, failures) => {
      if (failures === 1) opts.log.warn({ event: opts.unavailable.event, ...opts.facts, err: err.message }, opts.unavailable.msg);
      else opts.log.debug({ event: opts.unavailable.event, ...opts.facts, err: err.message, failures }, opts.unavailable.msg);
    },
  });
}
