import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Opened } from './envelope.ts';
import { openEntry } from './envelope.ts';
import { type Following, type FollowOptions, followBucket } from './follow.ts';
import type { FleetIdentity } from './identity.ts';
import type { FleetLedger } from './ledger.ts';
import { type Publish, reportRefusal } from './refusal.ts';
import { betterValue, PutBacks } from './restore.ts';

type Accepted = Extract<Opened, { ok: true }>;

export interface FollowSignedOptions extends Omit<FollowOptions, 'onEntry' | 'onDelete'> {
  identity: FleetIdentity;
  // This node's memory of the bucket on /srv: what "older" means after a restart, and what goes back in.
  ledger: FleetLedger;
  publish?: Publish;
  // A signed, trusted, fresh entry. Returns a reason to refuse it on its own merits (wrong domain, bad chain …),
  // or undefined once applied.
  onEntry: (key: string, entry: Accepted) => Promise<string | undefined>;
  // Content the operator retired (a DKIM key, a certificate), even under a newer signature: the reason, or undefined.
  // Refused, then onForged (nothing older is put back over a newer signature).
  superseded?: (key: string, entry: Accepted) => Promise<string | undefined>;
  // Whether applying this entry could change anything on a node that has no record of the key (default: yes); only
  // then is the key's history consulted when a watch starts (the guard: an active ban, not a lift or an expired one).
  consequential?: (key: string, entry: Accepted) => boolean;
  // Until when (epoch ms) an older entry of this key could still do harm, for the ledger to keep its record (a ban's
  // end); undefined: kept until the ledger's cap.
  retain?: (key: string, entry: Accepted) => number | undefined;
  // After a forged entry (unsigned, untrusted or tampered; not one refused on its merits) that nothing was put back
  // over, or retired content: e.g. write our own signed value over it.
  onForged?: (key: string) => Promise<void>;
  // Whether this node puts a value back over a forged or deleted entry of this key (default: yes). DKIM: only the
  // nodes serving the domain, whose memory holds the key they sign with; another node would put back the newest
  // signed value of the key's history, which may be one the serving nodes refuse (below their DKIM_KEYBITS).
  restores?: (key: string) => boolean;
}

// What a sidecar's follower of one bucket is handed by its main: the bus's connection, this node's identity, its
// ledger of the bucket, its logger and where refusals are reported.
export type SignedLink = Pick<FollowSignedOptions, 'connection' | 'identity' | 'ledger' | 'log' | 'publish'>;

// followBucket for entries that must be authentic and current: unsigned, untrusted, misplaced and unsigned deletes
// are refused with an event, and so is a validly signed entry older than the one this node applied for the key (a
// replay), also after a restart: the ledger on /srv remembers. The node then puts the newest it knows back
// (compare-and-set), so the bucket heals. A value the node has not applied before, met when the watch starts (a
// restart, a node joining with an empty /srv), is first compared with the key's retained history: a newer signed
// revision there goes back in instead. What the node serves stays as it was.
export function followSigned(opts: FollowSignedOptions): Following {
  const { ledger, identity, bucket } = opts;
  const putBacks = new PutBacks(opts.log, bucket);
  const refuse = (entry: string, reason: string, signer?: string) =>
    reportRefusal(opts.log, opts.publish, { source: bucket, entry, reason, ...(signer ? { signer } : {}) });
  // The newest this node knows (or, for a forgery it has no record of, the key's history) goes back over `e`.
  const restore = async (kv: KV, e: KvWatchEntry, cur: Opened | undefined) => {
    const better = await betterValue(kv, identity, bucket, e.key, cur, await ledger.newest(e.key), !cur?.ok && !cur?.signer);
    return better ? putBacks.put(kv, e.key, better, e.revision, cur) : 'none';
  };
  return followBucket({
    ...opts,
    onEntry: async (e, kv, initial) => {
      const known = await ledger.newest(e.key);
      const r = openEntry(identity, bucket, e.key, e.value, known?.at);
      if (!r.ok) {
        refuse(e.key, r.reason, r.signer);
        if (opts.restores?.(e.key) === false) return;
        const done = await restore(kv, e, r);
        if (!r.signer && done === 'none') await opts.onForged?.(e.key);
        return;
      }
      // Retired content is refused even under a newer signature. The newest this node knows is not put back over it
      // (that is older, and a node that has not seen the retirement would put the content back in turn); onForged
      // may write something newer (DKIM: this node's current key).
      const stale = await opts.superseded?.(e.key, r);
      if (stale) {
        refuse(e.key, stale, r.signer);
        return opts.onForged?.(e.key);
      }
      // New to this node at the start of a watch (a restart, a node joining with an empty /srv): replays may have
      // pushed a newer signed revision back into the key's history; that one goes back in and is applied instead.
      if (initial && known?.at !== r.at && (opts.consequential?.(e.key, r) ?? true)) {
        const better = await betterValue(kv, identity, bucket, e.key, r, known, true);
        if (better) {
          refuse(e.key, `older than the entry signed at ${better.at} in the bucket's history (a replay)`, r.signer);
          await putBacks.put(kv, e.key, better, e.revision);
          return;
        }
      }
      const reason = await opts.onEntry(e.key, r);
      if (reason) return refuse(e.key, reason, r.signer);
      await ledger.record(e.key, e.value, r.at, opts.retain?.(e.key, r));
    },
    onDelete: async (e, kv) => {
      refuse(e.key, `unsigned ${e.operation === 'DEL' ? 'delete' : 'purge'} (retire with \`mta fleet retire\`)`);
      if (opts.restores?.(e.key) === false) return;
      if ((await restore(kv, e, undefined)) === 'none') await opts.onForged?.(e.key);
    },
  });
}
