import { type Following, followBucket, GUARD_BUCKET, kvKey, type Logger } from '@mta/shared';
import type { NatsConnection } from '@nats-io/nats-core';
import { type Ban, MAX_BAN_MS, parseBan } from './ban.ts';
import type { GuardService } from './service.ts';

export interface GuardFleetOptions {
  connection: () => Promise<NatsConnection | undefined>;
  guard: GuardService;
  node: string;
  log: Logger;
}

// Bans shared across the fleet through the KV bucket mta-guard, one key per address: a node's own bans (and the
// operator's) are put there, the others' are adopted; a lift is a record whose `until` is already past. An entry
// is only data: it is checked field by field, and never bans an address this node protects.
export class GuardFleet {
  private following: Following | undefined;
  constructor(private readonly o: GuardFleetOptions) {}

  start(): void {
    this.following = followBucket({
      connection: this.o.connection,
      bucket: GUARD_BUCKET,
      // Lift markers must outlive the longest ban they may lift.
      ttlMs: MAX_BAN_MS + 86_400_000,
      log: this.o.log,
      onOpen: async () => {
        for (const b of this.o.guard.list()) if (b.origin !== 'fleet') await this.put(b);
      },
      onEntry: async (e) => {
        let ban: Ban | undefined;
        try {
          ban = parseBan(JSON.parse(new TextDecoder().decode(e.value)), Date.now());
        } catch {
          ban = undefined;
        }
        if (!ban || kvKey(ban.ip) !== e.key) {
          this.o.log.warn({ event: 'guard.fleet.invalid', key: e.key }, 'ignored an invalid fleet ban entry');
          return;
        }
        if (ban.node === this.o.node) return;
        await this.o.guard.adopt(ban);
      },
    });
  }

  // The guard's change hook: share new local bans, and lifts of any ban.
  changed(added: readonly Ban[], lifted: readonly Ban[]): void {
    const now = new Date().toISOString();
    void (async () => {
      for (const b of added) if (b.origin !== 'fleet') await this.put(b);
      for (const b of lifted) await this.put({ ...b, until: now, origin: 'operator', node: this.o.node });
    })().catch((err: Error) => this.o.log.warn({ event: 'guard.fleet.put', err: err.message }, 'could not share a ban with the fleet'));
  }

  private async put(b: Ban): Promise<void> {
    const kv = this.following?.bucket();
    if (!kv) return;
    await kv.put(kvKey(b.ip), JSON.stringify(b));
  }

  async close(): Promise<void> {
    await this.following?.close();
  }
}
