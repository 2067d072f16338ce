import {
  claimSigned,
  type FleetBucket,
  type FleetLedger,
  type Following,
  followSigned,
  type Logger,
  openLedger,
  reportRefusal,
  SRS_BUCKET,
  SRS_KEY,
} from '@mta/shared';
import { type FleetLink, followLink, openAtStart } from './fleet-link.ts';
import { readSecretFile, writeSecretFile } from './srs-file.ts';
import { adoptedSecretFile, secretLines, secretProblem } from './srs-secret.ts';

export interface SrsLocal {
  // /srv/var/srs/secret (mtaPaths().srsSecret).
  secret: string;
  // Makes postsrsd read the file again (restartPostsrsd in the image).
  restart: () => Promise<void>;
  log: Logger;
}

// The SRS secret shared like DKIM keys, through the KV bucket mta-srs (one signed entry, `secret`): the first node
// publishes the signing line of its file, every other node adopts it, so a bounce to an address any node minted is
// reversed by whichever node it reaches. The value travels like a DKIM private key: signed by a trusted node, in a
// bucket only the fleet's NATS users may read (TLS, least privilege). Unsigned, untrusted, tampered or replayed
// entries are refused (followSigned, with the ledger on /srv). Adopting keeps the node's earlier secrets as
// verify-only lines, so what it signed before still reverses.
export class SrsFleet {
  private kv: FleetBucket | undefined;
  private following: Following | undefined;
  private ledger: FleetLedger | undefined;

  constructor(
    private readonly local: SrsLocal,
    private readonly link: FleetLink,
    // Serializes with the other fleet jobs of the sidecar.
    private readonly run: <T>(job: () => Promise<T>) => Promise<T>,
    // The fleet state directory on /srv (mtaPaths().fleetState).
    private readonly stateDir: string,
  ) {}

  // One bounded attempt at the start, as for DKIM: false keeps the local secret for now (the follower retries).
  async open(): Promise<boolean> {
    this.ledger ??= await openLedger(this.stateDir, SRS_BUCKET, this.link.identity, this.local.log);
    this.kv = await openAtStart(this.link, SRS_BUCKET, this.local.log, 'srs.fleet.unavailable');
    return !!this.kv;
  }

  private refuse(reason: string, signer?: string): void {
    reportRefusal(this.local.log, this.link.publish, { source: SRS_BUCKET, entry: SRS_KEY, reason, signer });
  }

  // Makes the fleet's secret the signing line here; a value that is no secret is refused. Never logs the secret.
  private async adopt(value: Buffer, signer: string): Promise<string | undefined> {
    const problem = secretProblem(value);
    if (problem) return problem;
    const next = adoptedSecretFile(await readSecretFile(this.local.secret), value.toString('utf8').replace(/\n$/, ''));
    if (!next) return undefined;
    await writeSecretFile(this.local.secret, next);
    this.local.log.info(
      { event: 'srs.fleet.adopted', signer, verifyLines: secretLines(next).length - 1 },
      "SRS secret adopted from the fleet; this node's earlier secrets still verify",
    );
    await this.local.restart();
    return undefined;
  }

  // Publishes this node's signing secret when the bucket has none (or a forged one), else adopts the fleet's.
  async claim(): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    const mine = secretLines(await readSecretFile(this.local.secret))[0];
    const body = mine && !secretProblem(Buffer.from(mine)) ? Buffer.from(mine) : undefined;
    const r = await claimSigned(kv, this.link.identity, SRS_BUCKET, SRS_KEY, body, { ledger: this.ledger, log: this.local.log });
    if (r.kind === 'published') this.local.log.info({ event: 'srs.fleet.published' }, 'SRS secret published to the fleet');
    else if (r.kind === 'adopt') {
      const reason = await this.adopt(r.value, r.signer);
      if (reason) this.refuse(reason, r.signer);
    }
  }

  // Background: follow the bucket; each (re)open first claims (and a forged or deleted entry claims again: our signed
  // secret goes back in), then every entry is checked and applied.
  start(): void {
    const putOurs = () => this.run(() => this.claim());
    this.following = followSigned({
      ...followLink(this.link, SRS_BUCKET, this.ledger, this.local.log, (kv) => (this.kv = kv), putOurs),
      onEntry: async (key, e) => {
        if (key !== SRS_KEY) return 'not the SRS secret entry';
        // No retirement for the SRS secret: a new one goes in by hand (see docs/srs.md), so old addresses still reverse.
        if (e.op !== 'put') return 'the SRS secret is not retired through the fleet';
        return this.run(() => this.adopt(e.body, e.signer));
      },
    });
  }

  async close(): Promise<void> {
    await this.following?.close();
    this.ledger?.close();
  }
}
