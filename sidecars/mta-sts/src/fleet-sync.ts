import { type Following, followSigned, kvKey, type SignedLink, STS_BUCKET, writeSigned } from '@mta/shared';
import type { PolicyCache, PolicyEntry } from './cache.ts';
import { fleetBody, judgeFleetEntry } from './fleet.ts';
import type { StsResolver } from './resolve.ts';

export interface StsFleetOptions extends SignedLink {
  cache: PolicyCache;
  resolver: StsResolver;
}

// The fleet's shared policy cache: what one node fetches is signed into the bucket mta-sts and applied by the others
// (judgeFleetEntry: a bus entry may tighten, never loosen; a weaker one makes the node fetch for itself). Unsigned,
// untrusted, tampered and replayed entries are refused by followSigned with the ledger on /srv.
export class StsFleet {
  private following: Following | undefined;

  constructor(private readonly opts: StsFleetOptions) {}

  start(): void {
    const { opts } = this;
    this.following = followSigned({
      connection: opts.connection,
      bucket: STS_BUCKET,
      log: opts.log,
      identity: opts.identity,
      ledger: opts.ledger,
      publish: opts.publish,
      onEntry: async (key, e) => {
        if (e.op !== 'put') return 'MTA-STS policies are not retired through the fleet';
        if (e.self) return undefined;
        const v = judgeFleetEntry(key, e.body, e.signer, opts.cache.get(key), Date.now());
        if (v.kind === 'refuse') return v.reason;
        if (v.kind === 'verify') {
          void opts.resolver.check(key, true).catch(() => undefined);
          return `${v.reason}: this node fetches the policy itself`;
        }
        if (v.kind === 'adopt') {
          await opts.resolver.adopt(v.entry);
          opts.log.info(
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
    const kv = this.following?.bucket();
    if (!kv) return;
    await writeSigned(kv, this.opts.identity, STS_BUCKET, kvKey(e.domain), fleetBody(e), { ledger: this.opts.ledger, over: 'any' });
  }

  async close(): Promise<void> {
    await this.following?.close();
    this.opts.ledger.close();
  }
}
