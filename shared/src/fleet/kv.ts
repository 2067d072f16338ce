import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '../log.ts';
import { natsJetStream, natsKv } from '../nats-lazy.ts';
import { openEntry, seal } from './envelope.ts';
import type { FleetIdentity } from './identity.ts';
import type { FleetLedger } from './ledger.ts';
import { betterValue, PutBacks } from './restore.ts';

// JetStream requests of the fleet loops give up after this (the client's default is 5 s): during a cluster
// failover a request to a server being replaced fails fast and the loop asks again.
const API_TIMEOUT_MS = 1000;

// The connection and bucket the fleet loops hold, named here so sidecars need no NATS package of their own.
export type FleetConnection = NatsConnection;
export type FleetBucket = KV;

// Buckets shared by the fleet; access to them is what NATS permissions must restrict (they hold key material).
export const DKIM_BUCKET = 'mta-dkim';
export const CERTS_BUCKET = 'mta-certs';
export const GUARD_BUCKET = 'mta-guard';
export const SRS_BUCKET = 'mta-srs';
// MTA-STS policies as one node fetched them (key: the destination domain), so every node enforces them at once.
export const STS_BUCKET = 'mta-sts';
// DMARC aggregate reports: each node's verdicts of a day, and which node sent a domain's report of a day. Its entries
// expire (a node keeps its records 7 days, so nothing older is reported), every other bucket's are kept.
export const DMARC_BUCKET = 'mta-dmarc';
const BUCKET_TTL_MS: Readonly<Record<string, number>> = { [DMARC_BUCKET]: 8 * 86_400_000 };
export const bucketOptions = (name: string): { ttl?: number } => (BUCKET_TTL_MS[name] ? { ttl: BUCKET_TTL_MS[name] } : {});
// The one entry of mta-srs: the fleet's SRS secret (bounces may come back to any node).
export const SRS_KEY = 'secret';

// Opens a bucket, creating it on first use, so no node needs an admin step before joining. Created with 3 replicas
// when the servers form a cluster (losing one server loses no key), else 1; an existing bucket is bound as it is.
// With least-privilege credentials only the binding works; the operator creates the buckets with `mta fleet init`.
export async function openBucket(nc: NatsConnection, name: string, history = BUCKET_HISTORY): Promise<KV> {
  const [{ Kvm }, { jetstream }] = await Promise.all([natsKv(), natsJetStream()]);
  const kvm = new Kvm(jetstream(nc, { timeout: API_TIMEOUT_MS }));
  try {
    return await kvm.create(name, { history, replicas: 3, ...bucketOptions(name) });
  } catch {
    return kvm.create(name, { history, ...bucketOptions(name) }).catch((e: Error) => {
      throw new Error(`bucket ${name} cannot be opened or created here (${e.message}); run \`mta fleet init\``);
    });
  }
}

// Revisions kept per key: a forged value never erases the signed one before it from the bucket's history.
export const BUCKET_HISTORY = 5;

// KV keys allow [-/_=.a-zA-Z0-9]; domain names fit, selectors too.
export const kvKey = (...parts: string[]): string => parts.map((p) => p.replace(/[^-/_=.a-zA-Z0-9]/g, '_')).join('.');

export type ClaimOutcome =
  // Ours is in the bucket now (it was empty, retired, or held something no trusted node signed).
  | { kind: 'published' }
  // The bucket already had exactly our value.
  | { kind: 'same' }
  // A trusted node was first with another value: the caller adopts it.
  | { kind: 'adopt'; value: Buffer; signer: string }
  // Retired by the operator at `at` (and we offered nothing).
  | { kind: 'retired'; at: string }
  | { kind: 'absent' };

export interface ClaimOptions {
  // When the local value came to be: a retirement signed after it retires the local value too (a node that was
  // down while the operator retired a key must not publish it again).
  localSince?: Date;
  // This node's memory of the bucket: a replay or forgery over what it applied goes back first (see followSigned).
  ledger?: FleetLedger;
  // Content the operator retired: a bucket value for which this is true is no claim (overwritten like a forgery).
  superseded?: (body: Buffer) => boolean;
  // Where a value put back is logged (fleet.restored).
  log?: Logger;
}

// The key's value as the newest signed entry this node can find: what the bucket holds, unless the node applied a
// newer one or the key's history has one (replays pushed it back), which then goes back in first. `cur` is the
// value opened against what the node applied.
export async function currentSigned(kv: KV, id: FleetIdentity, bucket: string, key: string, ledger?: FleetLedger, log?: Logger) {
  const putBacks = new PutBacks(log, bucket);
  for (let round = 0; ; round++) {
    const e = await kv.get(key);
    const known = await ledger?.newest(key);
    const live = e?.operation === 'PUT' && e.value.length > 0;
    const cur = live && e ? openEntry(id, bucket, key, e.value, known?.at) : undefined;
    const better = round < 2 ? await betterValue(kv, id, bucket, key, cur, known, true) : undefined;
    if (!better) return { e, cur };
    await putBacks.put(kv, key, better, e?.revision, cur);
  }
}

// First writer wins, among signed entries: our value goes in only where the key is empty, retired or forged
// (overwriting a forgery heals the bucket), through compare-and-set, so concurrent nodes settle on one value. A
// replayed older entry is no claim: the newest signed one goes back first.
export async function claimSigned(
  kv: KV,
  id: FleetIdentity,
  bucket: string,
  key: string,
  local: Uint8Array | undefined,
  opts: ClaimOptions = {},
): Promise<ClaimOutcome> {
  for (let attempt = 0; ; attempt++) {
    const { e, cur } = await currentSigned(kv, id, bucket, key, opts.ledger, opts.log);
    if (cur?.ok && cur.op === 'put' && !opts.superseded?.(cur.body)) {
      if (local && Buffer.from(local).equals(cur.body)) return { kind: 'same' };
      return { kind: 'adopt', value: cur.body, signer: cur.signer };
    }
    const retired = cur?.ok && cur.op === 'retire' ? cur.at : undefined;
    if (retired && (!local || (opts.localSince && Date.parse(retired) >= opts.localSince.getTime())))
      return { kind: 'retired', at: retired };
    if (!local) return { kind: 'absent' };
    try {
      await writeSigned(kv, id, bucket, key, local, { ledger: opts.ledger, over: e });
      return { kind: 'published' };
    } catch (err) {
      // Someone wrote in between: read again and take theirs if it is good.
      if (attempt >= 2) throw err;
    }
  }
}

// Signs `body` as this node's value of `key` and writes it: over `over` (the entry read before) by compare-and-set
// on its revision, without it as a new key (both fail when another node wrote in between), or with 'any' over
// whatever is there (last writer wins). The ledger remembers it as the newest this node applied.
export async function writeSigned(
  kv: KV,
  id: FleetIdentity,
  bucket: string,
  key: string,
  body: Uint8Array,
  opts: { ledger?: FleetLedger; over?: { revision: number } | null | 'any' },
): Promise<void> {
  const now = new Date();
  const sealed = seal(id, bucket, key, body, now);
  if (opts.over === 'any') await kv.put(key, sealed);
  else if (opts.over) await kv.update(key, sealed, opts.over.revision);
  else await kv.create(key, sealed);
  await opts.ledger?.record(key, sealed, now.toISOString());
}
