import {
  type FleetBucket,
  type FleetConnection,
  type FleetIdentity,
  type FleetLedger,
  type Following,
  followSigned,
  kvKey,
  type Logger,
  type Publish,
  STS_BUCKET,
  seal,
} from '@mta/shared';
import type { PolicyCache, PolicyEntry } from './cache.ts';
import { fleetBody, judgeFleetEntry } from './fleet.ts';
import type { StsResolver } from './resolve.ts';

export interface StsFleetOptions {
  connection: () => Promise<FleetConnection | undefined>;
  identity: FleetIdentity;
  ledger: FleetLedger;
  cache: PolicyCache;
  resolver: StsResolver;
  log: Logger;
  publish?: Publish;
}

// The fleet's shared policy cache: what one node fetches is signed into the bucket mta-sts and applied by the others
// (judgeFleetEntry: a bus entry may tighten, never loosen; a weaker one makes the node fetch for itself). Unsigned,
// untrusted, tampered and replayed entries are refused by followSigned with the ledger on /srv.
export class StsFleet {
  private following: Following | undefined;

  constructor(private readonly o: StsFleetOptions) {}

  start(): void {
    const { o } = this;
    this.following = followSigned({
      connection: o.connection,
      bucket: STS_BUCKET,
      log: o.log,
      identity: o.identity,
      ledger: o.ledger,
      publish: o.publish,
      onEntry: async (key, e) => {
        if (e.op !== 'put') return 'MTA-STS policies are not retired through the fleet';
        if (e.self) return undefined;
        const v = judgeFleetEntry(key, e.body, e.signer, o.cache.get(key), Date.now());
        if (v.kind === 'refuse') return v.reason;
        if (v.kind === 'verify') {
          void o.resolver.check(key, true).catch(() => undefined);
          return `${v.reason}: this node fetches the policy itself`;
        }
        if (v.kind === 'adopt') {
          await o.resolver.adopt(v.entry);
          o.log.info(
            { event: 'mtasts.fleet.adopted', domain: key, signer: e.signer, mode: v.entry.policy.mode },
            `MTA-STS policy of ${key} from ${e.signer}`,
          );
        }
        return undefined;
      },
      // Policies are fetched again by whoever needs them: nothing to put back over a forgery.
      restores: () => false,
    });
  }

  // A policy this node fetched goes to the bucket (last writer wins: the other nodes judge it on arrival).
  async share(e: PolicyEntry): Promise<void> {
    const kv: FleetBucket | undefined = this.following?.bucket();
    if (!kv) return;
    const key = kvKey(e.domain);
    const now = new Date();
    const sealed = seal(this.o.identity, STS_BUCKET, key, fleetBody(e), now);
    await kv.put(key, sealed);
    await this.o.ledger.record(key, sealed, now.toISOString());
  }

  async close(): Promise<void> {
    await this.following?.close();
    this.o.ledger.close();
  }
}
