import {
  type FleetConnection,
  type FleetIdentity,
  type Following,
  followSigned,
  GUARD_BUCKET,
  kvKey,
  type Logger,
  type Publish,
  seal,
} from '@mta/shared';
import { type Ban, parseBan } from './ban.ts';
import type { GuardService } from './service.ts';

export interface GuardFleetOptions {
  connection: () => Promise<FleetConnection | undefined>;
  identity: FleetIdentity;
  guard: GuardService;
  log: Logger;
  publish?: Publish;
}

// Bans shared across the fleet through the KV bucket mta-guard, one signed entry per address: this node's bans (and
// the operator's) are put there, the other trusted nodes' are adopted; a lift is a signed record whose `until` has
// passed. An entry is only data: signature first (followSigned), then each field, and it never bans an address this
// node protects. The ban names the node that signed it, not what the entry claims. New bans from the fleet count
// against this node's caps like its own.
export class GuardFleet {
  private following: Following | undefined;
  constructor(private readonly o: GuardFleetOptions) {}

  start(): void {
    this.following = followSigned({
      connection: this.o.connection,
      bucket: GUARD_BUCKET,
      identity: this.o.identity,
      publish: this.o.publish,
      log: this.o.log,
      onOpen: async () => {
        for (const b of this.o.guard.list()) if (b.origin !== 'fleet') await this.put(b);
      },
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
        const r = await this.o.guard.adopt({ ...ban, node: entry.signer });
        return r === 'protected' ? `${ban.ip} is protected on this node` : undefined;
      },
    });
  }

  // The guard's change hook: share new local bans, and lifts of any ban.
  changed(added: readonly Ban[], lifted: readonly Ban[]): void {
    const now = new Date().toISOString();
    void (async () => {
      for (const b of added) if (b.origin !== 'fleet') await this.put(b);
      for (const b of lifted) await this.put({ ...b, until: now, origin: 'operator', node: this.o.identity.node });
    })().catch((err: Error) => this.o.log.warn({ event: 'guard.fleet.put', err: err.message }, 'could not share a ban with the fleet'));
  }

  private async put(b: Ban): Promise<void> {
    const kv = this.following?.bucket();
    if (!kv) return;
    const key = kvKey(b.ip);
    await kv.put(key, seal(this.o.identity, GUARD_BUCKET, key, new TextEncoder().encode(JSON.stringify(b))));
  }

  async close(): Promise<void> {
    await this.following?.close();
  }
}
