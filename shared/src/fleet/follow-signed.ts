import type { Opened } from './envelope.ts';
import { openEntry } from './envelope.ts';
import { type Following, type FollowOptions, followBucket } from './follow.ts';
import type { FleetIdentity } from './identity.ts';
import { type Publish, reportRefusal } from './refusal.ts';

export type Accepted = Extract<Opened, { ok: true }>;

export interface FollowSignedOptions extends Omit<FollowOptions, 'onEntry' | 'onDelete'> {
  identity: FleetIdentity;
  publish?: Publish;
  // A signed, trusted, fresh entry. Returns a reason to refuse it on its own merits (wrong domain, bad chain …),
  // or undefined once applied.
  onEntry: (key: string, entry: Accepted) => Promise<string | undefined>;
  // After a forged entry (unsigned, untrusted or tampered; not one refused on its merits): e.g. write our own
  // signed value back over it.
  onForged?: (key: string) => Promise<void>;
}

// followBucket for entries that must be authentic: unsigned, untrusted, misplaced, replayed and unsigned deletes
// are refused with an event; what the node serves stays as it was.
export function followSigned(o: FollowSignedOptions): Following {
  const applied = new Map<string, string>();
  const refuse = (entry: string, reason: string, signer?: string) =>
    reportRefusal(o.log, o.publish, { source: o.bucket, entry, reason, ...(signer ? { signer } : {}) });
  return followBucket({
    ...o,
    onEntry: async (e) => {
      const r = openEntry(o.identity, o.bucket, e.key, e.value, applied.get(e.key));
      if (!r.ok) {
        refuse(e.key, r.reason, r.signer);
        if (!r.signer) await o.onForged?.(e.key);
        return;
      }
      const reason = await o.onEntry(e.key, r);
      if (reason) return refuse(e.key, reason, r.signer);
      applied.set(e.key, r.at);
    },
    onDelete: async (e) => {
      refuse(e.key, `unsigned ${e.operation === 'DEL' ? 'delete' : 'purge'} (retire with \`mta fleet retire\`)`);
      await o.onForged?.(e.key);
    },
  });
}
