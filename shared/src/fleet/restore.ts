import type { KV } from '@nats-io/kv';
import type { Logger } from '../log.ts';
import { type Opened, openEntry } from './envelope.ts';
import type { FleetIdentity } from './identity.ts';
import type { Newest } from './ledger.ts';

export interface Signed {
  value: Uint8Array;
  at: string;
}

const later = (a: string, b: string): boolean => Date.parse(a) > Date.parse(b);

// The newest validly signed value among the key's retained revisions (the bucket keeps BUCKET_HISTORY), when it is
// newer than `than`: what replays pushed back, as long as fewer of them came after it than the bucket keeps.
export async function newestInHistory(kv: KV, id: FleetIdentity, bucket: string, key: string, than?: string): Promise<Signed | undefined> {
  let best: Signed | undefined;
  const it = await kv.history({ key });
  for await (const e of it) {
    if (e.operation !== 'PUT' || e.value.length === 0) continue;
    const r = openEntry(id, bucket, key, e.value);
    if (r.ok && (!best || later(r.at, best.at))) best = { value: e.value, at: r.at };
  }
  return best && (!than || later(best.at, than)) ? best : undefined;
}

// Whether a revision the node refused should be written over: a forgery (no trusted signature: unsigned, untrusted,
// tampered, a raw delete) or a replay (older than what the node applied). Not an entry signed in the future: the
// node that signed it would write it back, and the two would take turns until the clocks agree.
export const overwritable = (cur: Opened | undefined): boolean => !cur || (!cur.ok && (!cur.signer || cur.replay === true));

// What belongs in the bucket instead of the revision a node sees (`cur`, opened against the node's newest `known`):
// the node's newest when the revision is overwritable; when the revision is new to the node and `history` is asked
// for, a newer signed revision still in the key's history (also the only help for a forgery the node has no
// record to replace). undefined: the revision stands.
export async function betterValue(
  kv: KV,
  id: FleetIdentity,
  bucket: string,
  key: string,
  cur: Opened | undefined,
  known: Newest | undefined,
  history: boolean,
): Promise<Signed | undefined> {
  if (cur && !cur.ok && !overwritable(cur)) return undefined;
  if (known && !cur?.ok) return { value: known.value, at: known.at };
  if (!history || (cur?.ok && known && !later(cur.at, known.at))) return undefined;
  return newestInHistory(kv, id, bucket, key, cur?.ok ? cur.at : undefined);
}

// Put-backs over an untrusted signer's entry, per key and minute, before a node pauses and warns: two nodes that
// disagree about a signer (MTA_FLEET_TRUST changed on one of them) would otherwise overwrite each other without end.
// Replays and forgeries are always answered: no honest node writes them back.
const PUT_BACKS_PER_MINUTE = 3;

export class PutBacks {
  private readonly recent = new Map<string, number[]>();
  private readonly warned = new Set<string>();
  constructor(
    private readonly log: Logger | undefined,
    private readonly bucket: string,
    private readonly now: () => number = Date.now,
  ) {}

  // Writes a signed value back over the revision seen (`over`, as this node opened it), compare-and-set: when someone
  // wrote in between, theirs is judged next instead.
  async put(kv: KV, key: string, value: Signed, revision: number | undefined, over?: Opened): Promise<'restored' | 'raced' | 'paused'> {
    if (over && !over.ok && over.untrusted && !this.allow(key)) return 'paused';
    try {
      if (revision) await kv.update(key, value.value, revision);
      else await kv.create(key, value.value);
    } catch {
      return 'raced';
    }
    this.log?.info(
      { event: 'fleet.restored', bucket: this.bucket, entry: key, at: value.at },
      'put the newest signed entry back into the fleet bucket',
    );
    return 'restored';
  }

  private allow(key: string): boolean {
    const now = this.now();
    const times = (this.recent.get(key) ?? []).filter((t) => now - t < 60_000);
    if (times.length >= PUT_BACKS_PER_MINUTE) {
      if (!this.warned.has(key))
        this.log?.warn(
          { event: 'fleet.contested', bucket: this.bucket, entry: key },
          'an entry signed by a key this node does not trust keeps replacing the fleet entry; not putting ours back for a minute (do the nodes have different MTA_FLEET_TRUST?)',
        );
      this.warned.add(key);
      return false;
    }
    this.warned.delete(key);
    this.recent.set(key, [...times, now]);
    if (this.recent.size > 1000) for (const [k, ts] of this.recent) if (ts.every((t) => now - t >= 60_000)) this.recent.delete(k);
    return true;
  }
}
