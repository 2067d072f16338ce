import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { busLoop } from '../bus-loop.ts';
import type { Logger } from '../log.ts';
import { openBucket } from './kv.ts';

export interface FollowOptions {
  // The bus's live connection; resolves undefined once the bus closed first.
  connection: () => Promise<NatsConnection | undefined>;
  bucket: string;
  // Each time the watch (re)starts, before the first entry: e.g. publish what this node has.
  onOpen?: (kv: KV) => Promise<void>;
  // Current values first, then every change, PUT entries only. Called one at a time, with the bucket (for writing
  // back) and whether the entry was already there when the watch started (the client's own isUpdate flags the last
  // of those as an update).
  onEntry: (entry: KvWatchEntry, kv: KV, initial: boolean) => Promise<void>;
  // DEL and PURGE markers: nobody can sign them, so they are reported and never acted on.
  onDelete?: (entry: KvWatchEntry, kv: KV) => Promise<void>;
  log: Logger;
  // First pause before reopening after a failure (no JetStream yet, no permission, leader election …); doubles up
  // to 1 s, so a node is watching again within a second of the cluster's own recovery after a failover.
  retryMs?: number;
  // How often the watch is checked against the bucket itself (a watch stalls silently when the server that held
  // its consumer dies while our connection stays up): behind the bucket's last revision, or unable to ask, twice
  // in a row restarts the watch.
  checkMs?: number;
}

export interface Following {
  // The bucket once it is open (undefined before), for callers that also write to it.
  bucket: () => KV | undefined;
  close: () => Promise<void>;
}

// The bucket's last revision (its stream's last sequence): a watch that has delivered less is behind.
async function lastRevision(kv: KV): Promise<number> {
  return (await kv.status()).streamInfo.state.last_seq;
}

// Follows a KV bucket in the background until closed: opens it, replays current values, then changes; reopens
// after errors, reconnects and stalls, so a node that was cut off catches up. Never throws.
export function followBucket(opts: FollowOptions): Following {
  let kv: KV | undefined;
  const loop = busLoop({
    connection: opts.connection,
    follow: true,
    log: opts.log,
    unavailable: { event: 'fleet.unavailable', msg: 'fleet bucket unavailable; retrying' },
    facts: { bucket: opts.bucket },
    firstMs: opts.retryMs ?? 250,
    maxMs: 1000,
    session: async (nc, signal) => {
      try {
        kv ??= await openBucket(nc, opts.bucket);
        await opts.onOpen?.(kv);
      } catch (e) {
        kv = undefined;
        throw e;
      }
      const bucket = kv;
      const initialUpTo = await lastRevision(bucket);
      const it = await bucket.watch();
      const stopWatch = () => it.stop();
      signal.addEventListener('abort', stopWatch, { once: true });
      if (signal.aborted) it.stop();
      let delivered = 0;
      let strikes = 0;
      let checking = false;
      // While an entry is being applied (a reload can take seconds) the watch is not stalled, just waiting for us.
      let applying = false;
      const check = setInterval(() => {
        if (checking || applying) return;
        checking = true;
        void lastRevision(bucket)
          .then(
            (last) => (last > delivered ? strikes++ : (strikes = 0)),
            () => strikes++,
          )
          .then(() => {
            checking = false;
            if (strikes < 2) return;
            opts.log.warn(
              { event: 'fleet.watch.stalled', bucket: opts.bucket, delivered },
              'fleet bucket watch fell behind; restarting it',
            );
            it.stop();
          });
      }, opts.checkMs ?? 1000);
      opts.log.info({ event: 'fleet.following', bucket: opts.bucket }, `following the fleet bucket ${opts.bucket}`);
      try {
        for await (const e of it) {
          delivered = Math.max(delivered, e.revision);
          applying = true;
          strikes = 0;
          if (e.operation !== 'PUT' || e.value.length === 0) await opts.onDelete?.(e, bucket).catch(() => undefined);
          else {
            const err = await opts.onEntry(e, bucket, e.revision <= initialUpTo).then(
              () => undefined,
              (x: Error) => x,
            );
            // A failure is mostly the cluster's (a timeout while a server dies): the entry would be lost until the
            // next change of its key, so the watch starts over after the loop's backoff and delivers it again.
            if (err) {
              opts.log.error(
                { event: 'fleet.entry.failed', bucket: opts.bucket, entry: e.key, err: err.message },
                'applying a fleet entry failed; following the bucket again',
              );
              throw err;
            }
          }
          applying = false;
        }
      } finally {
        clearInterval(check);
        signal.removeEventListener('abort', stopWatch);
      }
    },
  });
  return { bucket: () => kv, close: () => loop.close() };
}
