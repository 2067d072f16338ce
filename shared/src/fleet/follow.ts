import type { KV, KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '../log.ts';
import { sleep } from '../sleep.ts';
import { openBucket } from './kv.ts';

export interface FollowOptions {
  // The bus's live connection; resolves undefined once the bus closed first.
  connection: () => Promise<NatsConnection | undefined>;
  bucket: string;
  // Entry lifetime of a bucket this call creates (openBucket).
  ttlMs?: number;
  // Each time the watch (re)starts, before the first entry: e.g. publish what this node has.
  onOpen?: (kv: KV) => Promise<void>;
  // Current values first, then every change; PUT entries only. Called one at a time.
  onEntry: (entry: KvEntry) => Promise<void>;
  log: Logger;
  // Pause before reopening after a failure (no JetStream yet, no permission, leader election …).
  retryMs?: number;
  // How often the watch is checked against the bucket itself (a watch can silently stall when the server that
  // held its consumer dies while our connection stays up); a newer revision than seen restarts the watch.
  checkMs?: number;
}

export interface Following {
  // The bucket once it is open (undefined before), for callers that also write to it.
  bucket: () => KV | undefined;
  close: () => Promise<void>;
}

// Ends a watch when the client switches server (ours died): the loop then re-reads the bucket from the start.
export async function stopOnReconnect(nc: NatsConnection, stop: () => void, signal: AbortSignal): Promise<void> {
  for await (const s of nc.status()) {
    if (signal.aborted || nc.isClosed()) return;
    if (s.type === 'reconnect') return stop();
  }
}

// True when the bucket holds a revision the watch has not delivered (buckets here are small: a key per domain).
async function behind(kv: KV, seen: ReadonlyMap<string, number>): Promise<boolean> {
  try {
    for await (const k of await kv.keys()) {
      const e = await kv.get(k);
      if (e && e.revision > (seen.get(k) ?? 0)) return true;
    }
  } catch {
    // unreachable right now: the connection's own reconnect handling applies
  }
  return false;
}

// Follows a KV bucket in the background until closed: opens it (creating it), replays current values, then changes;
// reopens after errors and reconnects, so a node that was cut off catches up. Never throws; failures are logged once.
export function followBucket(o: FollowOptions): Following {
  const stop = new AbortController();
  let kv: KV | undefined;
  let stopWatch: (() => void) | undefined;
  const loop = (async () => {
    let warned = false;
    while (!stop.signal.aborted) {
      try {
        const nc = await Promise.race([o.connection(), sleep(3_600_000, stop.signal).then(() => undefined)]);
        if (!nc || stop.signal.aborted) return;
        kv ??= await openBucket(nc, o.bucket, 1, o.ttlMs);
        await o.onOpen?.(kv);
        const it = await kv.watch();
        stopWatch = () => it.stop();
        if (stop.signal.aborted) it.stop();
        void stopOnReconnect(nc, () => it.stop(), stop.signal);
        const seen = new Map<string, number>();
        const bucket = kv;
        const check = setInterval(() => {
          void behind(bucket, seen).then((late) => {
            if (!late) return;
            o.log.warn({ event: 'fleet.watch.stalled', bucket: o.bucket }, 'fleet bucket watch fell behind; restarting it');
            it.stop();
          });
        }, o.checkMs ?? 5000);
        o.log.info({ event: 'fleet.following', bucket: o.bucket }, `following the fleet bucket ${o.bucket}`);
        warned = false;
        try {
          for await (const e of it) {
            seen.set(e.key, e.revision);
            if (e.operation !== 'PUT' || e.value.length === 0) continue;
            await o
              .onEntry(e)
              .catch((err: Error) =>
                o.log.error(
                  { event: 'fleet.entry.failed', bucket: o.bucket, entry: e.key, err: err.message },
                  'applying a fleet entry failed',
                ),
              );
          }
        } finally {
          clearInterval(check);
        }
      } catch (e) {
        if (!warned)
          o.log.warn({ event: 'fleet.unavailable', bucket: o.bucket, err: (e as Error).message }, 'fleet bucket unavailable; retrying');
        warned = true;
        kv = undefined;
      }
      await sleep(o.retryMs ?? 2000, stop.signal);
    }
  })();
  return {
    bucket: () => kv,
    close: async () => {
      stop.abort();
      stopWatch?.();
      await loop;
    },
  };
}
