import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { natsKv } from '../nats-lazy.ts';

// Buckets shared by the fleet; access to them is what NATS permissions must restrict (they hold key material).
export const DKIM_BUCKET = 'mta-dkim';
export const CERTS_BUCKET = 'mta-certs';
export const GUARD_BUCKET = 'mta-guard';

// Opens a bucket, creating it on first use, so no node needs an admin step before joining. Created with 3 replicas
// when the servers form a cluster (losing one server loses no key), else 1; an existing bucket is bound as it is.
// `ttlMs`: entries older than this disappear on their own (buckets of short-lived facts, e.g. the guard's bans).
export async function openBucket(nc: NatsConnection, name: string, history = 1, ttlMs?: number): Promise<KV> {
  const { Kvm } = await natsKv();
  const kvm = new Kvm(nc);
  const ttl = ttlMs === undefined ? {} : { ttl: ttlMs };
  try {
    return await kvm.create(name, { history, replicas: 3, ...ttl });
  } catch {
    return kvm.create(name, { history, ...ttl });
  }
}

// KV keys allow [-/_=.a-zA-Z0-9]; domain names fit, selectors too.
export const kvKey = (...parts: string[]): string => parts.map((p) => p.replace(/[^-/_=.a-zA-Z0-9]/g, '_')).join('.');

export type ClaimOutcome =
  | { kind: 'published'; value: Uint8Array }
  | { kind: 'same'; value: Uint8Array }
  | { kind: 'conflict'; value: Uint8Array }
  | { kind: 'adopted'; value: Uint8Array }
  | { kind: 'absent' };

// First writer wins: publish our value only if the key is empty (KV create semantics); otherwise report the
// fleet's value so the caller adopts it. Deterministic across nodes because the server serialises creates.
export async function claimOrAdopt(kv: KV, key: string, local: Uint8Array | undefined): Promise<ClaimOutcome> {
  if (local) {
    try {
      await kv.create(key, local);
      return { kind: 'published', value: local };
    } catch {
      // someone was first; fall through and read theirs
    }
  }
  const entry = await kv.get(key);
  if (entry?.operation !== 'PUT' || entry.value.length === 0) return { kind: 'absent' };
  if (!local) return { kind: 'adopted', value: entry.value };
  return Buffer.from(entry.value).equals(Buffer.from(local)) ? { kind: 'same', value: local } : { kind: 'conflict', value: entry.value };
}
