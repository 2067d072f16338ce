import { type Following, followSigned, GUARD_BUCKET, kvKey, type SignedLink, seal } from '@mta/shared';
import { type Ban, parseBan } from './ban.ts';
import type { GuardService } from './service.ts';

// The ledger is this node's memory of mta-guard on /srv: a lifted ban replayed later (after a restart too) stays lifted.
export interface GuardFleetOptions extends SignedLink {
  guard: GuardService;
}

// Bans shared across the fleet through the KV bucket mta-guard, one signed entry per address: this node's bans (and
// the operator's) are put there, the other trusted nodes' are adopted; a lift is a signed record whose `until` has
// passed. An entry is only data: signature first (followSigned), then each field, and it never bans an address this
// node protects. The ban names the node that signed it, not what the entry claims. A ban is signed at the time it
// was decided (its `since`), a lift when it is lifted, so a ban put again after a restart never outranks a later lift.
// New bans from the fleet count against this node's caps like its own.
export class GuardFleet {
  private following: Following | undefined;
  constructor(private readonly opts: GuardFleetOptions) {}

  start(): void {
    this.following = followSigned({
      connection: this.opts.connection,
      bucket: GUARD_BUCKET,
      identity: this.opts.identity,
      ledger: this.opts.ledger,
      publish: this.opts.publish,
      log: this.opts.log,
      // Our bans the fleet has not seen yet (made while NATS was away); the rest is in the bucket already.
      onOpen: async () => {
        for (const b of this.opts.guard.list()) {
          if (b.origin === 'fleet') continue;
          const known = await this.opts.ledger.newest(kvKey(b.ip));
          if (!known || Date.parse(known.at) < Date.parse(b.since)) await this.put(b, new Date(b.since));
        }
      },
      // Until the longest ban seen for the address is over, a replay of it could bring it back.
      retain: (_key, entry) => banUntil(entry.body),
      // Only an active ban needs the history checked (a lift or an expired ban changes nothing on a joining node).
      consequential: (_key, entry) => (banUntil(entry.body) ?? 0) > Date.now(),
      onEntry: async (key, entry) => {
        if (entry.self) return undefined;
        let ban: Ban | undefined;
        try {
          ban = parseBan(JSON.parse(entry.body.toString('utf8')));
        } catch {
          ban = undefined;
        }
        if (!ban || kvKey(ban.ip) !== key) return 'not a ban record for this key';
        // A ban over this node's caps waits (per minute) or is dropped (total), reported by the guard
        // (mta.guard.capped, counted and rate-limited), not once per entry as a refusal: a flood of entries must
        // not flood the bus in turn.
        const r = await this.opts.guard.adopt({ ...ban, node: entry.signer });
        return r === 'protected' ? `${ban.ip} is protected on this node` : undefined;
      },
    });
  }

  // The guard's change hook: share new local bans, and lifts of any ban.
  changed(added: readonly Ban[], lifted: readonly Ban[]): void {
    const now = new Date().toISOString();
    void (async () => {
      for (const b of added) if (b.origin !== 'fleet') await this.put(b, new Date(b.since));
      for (const b of lifted) await this.put({ ...b, until: now, origin: 'operator', node: this.opts.identity.node }, new Date(now));
    })().catch((err: Error) => this.opts.log.warn({ event: 'guard.fleet.put', err: err.message }, 'could not share a ban with the fleet'));
  }

  private async put(b: Ban, at: Date): Promise<void> {
    const kv = this.following?.bucket();
    if (!kv) return;
    const key = kvKey(b.ip);
    await kv.put(key, seal(this.opts.identity, GUARD_BUCKET, key, new TextEncoder().encode(JSON.stringify(b)), at));
  }

  async close(): Promise<void> {
    await this.following?.close();
    this.opts.ledger.close();
  }
}

// The end of the ban an entry carries (epoch ms), if it is one.
function banUntil(body: Buffer): number | undefined {
  try {
    const until = Date.parse(String((JSON.parse(body.toString('utf8')) as { until?: unknown }).until));
    return Number.isFinite(until) ? until : undefined;
  } catch {
    return undefined;
  }
}
