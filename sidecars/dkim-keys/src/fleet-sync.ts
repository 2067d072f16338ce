import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  claimSigned,
  DKIM_BUCKET,
  type FleetBucket,
  type FleetLedger,
  type Following,
  followSigned,
  type KeyId,
  keyFileName,
  kvKey,
  openLedger,
  parseKeyFileName,
  reportRefusal,
} from '@mta/shared';
import type { DkimCore } from './core.ts';
import { applyFleetKey, type FleetPolicy, readLocalKey, retireLocalKey } from './fleet.ts';
import { type FleetLink, followLink, openAtStart } from './fleet-link.ts';
import { listKeys } from './inventory.ts';
import { inspectKey } from './keyinfo.ts';

export type { FleetLink } from './fleet-link.ts';

// A key's public fingerprint, or undefined when the bytes are not a usable key.
const fingerprintOf = (pem: Buffer): string | undefined => {
  const r = inspectKey(pem);
  return r.ok ? r.info.fingerprint : undefined;
};

// DKIM key sync with the KV bucket mta-dkim (`<domain>.<selector>` -> signed PEM): publish when absent, adopt a
// trusted node's key otherwise, and follow the bucket so a key published (rotated, retired) later is applied here.
// Only keys for the domains this node serves, of at least DKIM_KEYBITS, are ever taken. The ledger on /srv keeps the
// newest entry applied per key and the fingerprints of retired keys: a replayed older key, or a retired one signed
// again, is never taken or published, also after a restart.
export class DkimFleet {
  private kv: FleetBucket | undefined;
  private following: Following | undefined;
  private ledger: FleetLedger | undefined;

  constructor(
    private readonly core: DkimCore,
    private readonly link: FleetLink,
    private readonly run: <T>(job: () => Promise<T>) => Promise<T>,
    private readonly policy: FleetPolicy,
    // Mints the key of a domain whose key was retired (the normal generation path).
    private readonly regenerate: (domain: string) => Promise<void>,
    // The fleet state directory on /srv (mtaPaths().fleetState): this node's ledger of mta-dkim.
    private readonly stateDir: string,
  ) {}

  // One bounded attempt at the start: connected and bucket open within startWaitMs, else undefined (keep going locally).
  async open(): Promise<boolean> {
    this.ledger ??= await openLedger(this.stateDir, DKIM_BUCKET, this.link.identity, this.core.log);
    this.kv = await openAtStart(this.link, DKIM_BUCKET, this.core.log, 'dkim.fleet.unavailable');
    return !!this.kv;
  }

  private refuse(id: KeyId, reason: string, signer?: string): void {
    reportRefusal(this.core.log, this.link.publish, { source: DKIM_BUCKET, entry: kvKey(id.domain, id.selector), reason, signer });
  }

  // Takes the fleet's key for one domain; a refusal is reported and the local key stays.
  private async adopt(id: KeyId, value: Buffer): Promise<string | undefined> {
    const step = await applyFleetKey(this.core, id, value, this.policy);
    return step.step === 'refuse' ? step.reason : undefined;
  }

  // Before generating: domains without a local key take the fleet's key when there is a valid one.
  async preAdopt(domains: readonly string[]): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    await mkdir(this.core.dir, { recursive: true, mode: 0o755 });
    for (const domain of domains) {
      const id = { domain, selector: this.core.selector };
      if (await readLocalKey(this.core, id)) continue;
      const r = await claimSigned(kv, this.link.identity, DKIM_BUCKET, kvKey(domain, id.selector), undefined, await this.claimOptions(id));
      if (r.kind !== 'adopt') continue;
      const reason = await this.adopt(id, r.value);
      if (reason) this.refuse(id, reason, r.signer);
    }
  }

  // Every usable local key of a served domain: published when the bucket has none (or a forged or retired one),
  // else a trusted node's key wins. A local key older than a retirement is retired here too, and replaced.
  async publishLocal(): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    for (const k of await listKeys(this.core.dir)) {
      if (!k.info || !this.policy.served.has(k.domain.toLowerCase())) continue;
      for (let round = 0; round < 2; round++) {
        const local = await readLocalKey(this.core, k);
        if (!local) break;
        // A key the operator retired is never published again, whatever the bucket holds now.
        if (local.fingerprint && (await this.retiredKeys(k)).has(local.fingerprint)) {
          if (await retireLocalKey(this.core, k)) await this.regenerate(k.domain);
          continue;
        }
        const since = await this.keySince(k);
        const r = await claimSigned(kv, this.link.identity, DKIM_BUCKET, kvKey(k.domain, k.selector), local.bytes, {
          ...(await this.claimOptions(k)),
          localSince: since,
        });
        if (r.kind === 'published')
          this.core.log.info(
            { event: 'dkim.fleet.published', domain: k.domain, selector: k.selector, fingerprint: local.fingerprint },
            'DKIM key published to the fleet',
          );
        else if (r.kind === 'adopt') {
          const reason = await this.adopt(k, r.value);
          if (reason) this.refuse(k, reason, r.signer);
        } else if (r.kind === 'retired' && (await retireLocalKey(this.core, k))) {
          await this.regenerate(k.domain);
          continue;
        }
        break;
      }
    }
  }

  private retiredKeys(id: KeyId): Promise<ReadonlySet<string>> {
    return this.ledger ? this.ledger.retired(kvKey(id.domain, id.selector)) : Promise.resolve(new Set());
  }

  // The ledger, and retired keys as no claim (the bucket's value is then overwritten like a forgery).
  private async claimOptions(id: KeyId) {
    const retired = await this.retiredKeys(id);
    return {
      ledger: this.ledger,
      log: this.core.log,
      // A retired key, or one this node would refuse (unusable, below DKIM_KEYBITS): our key may go over it.
      superseded: (body: Buffer) => {
        const r = inspectKey(body);
        if (!r.ok || r.info.bits < this.policy.minBits) return true;
        return retired.has(r.info.fingerprint);
      },
    };
  }

  // When the local key file was written (the key came to be here).
  private async keySince(id: KeyId): Promise<Date | undefined> {
    return (await stat(join(this.core.dir, keyFileName(id))).catch(() => undefined))?.mtime;
  }

  // A retirement signed at `at`: the local key, if it is older, and the key last applied from the fleet are retired
  // (remembered by fingerprint); the local key is moved aside and a new one minted and offered.
  private async retire(id: KeyId, key: string, at: string): Promise<void> {
    const ledger = this.ledger as FleetLedger;
    const since = await this.keySince(id);
    const local = since && since.getTime() <= Date.parse(at) ? await readLocalKey(this.core, id) : undefined;
    const previous = await ledger.newest(key);
    const prevBody = previous?.op === 'put' ? bodyOf(previous.value) : undefined;
    const ids = [local?.fingerprint, prevBody && fingerprintOf(prevBody)].filter((f): f is string => !!f);
    await ledger.retire(key, ids, at);
    if (local && (await retireLocalKey(this.core, id))) await this.regenerate(id.domain);
    await this.publishLocal();
  }

  // Background: follow the bucket (reopened after errors, reconnects and stalls); each (re)start first publishes
  // our keys (and a forged or deleted entry publishes them again), then every entry (current ones first) is checked
  // and applied.
  start(): void {
    const putOurs = () => this.run(() => this.publishLocal());
    const follow = followLink(this.link, DKIM_BUCKET, this.ledger, this.core.log, (kv) => (this.kv = kv), putOurs);
    this.following = followSigned({
      ...follow,
      onEntry: async (key, e) => {
        const id = parseKeyFileName(`${key}.privkey.pem`);
        if (!id) return 'entry name is not <domain>.<selector>';
        if (e.op === 'put') return this.run(() => this.adopt(id, e.body));
        // A retirement of a domain served elsewhere only is none of this node's business.
        if (!this.policy.served.has(id.domain.toLowerCase())) return undefined;
        await this.run(() => this.retire(id, key, e.at));
        return undefined;
      },
      superseded: async (key, e) => {
        if (e.op !== 'put') return undefined;
        const fp = fingerprintOf(e.body);
        return fp && (await follow.ledger.retired(key)).has(fp) ? `DKIM key ${fp} was retired` : undefined;
      },
      // Only the nodes serving a domain put its key back after a forgery (see restores in followSigned).
      restores: (key) => {
        const id = parseKeyFileName(`${key}.privkey.pem`);
        return !!id && this.policy.served.has(id.domain.toLowerCase());
      },
    });
  }

  async close(): Promise<void> {
    await this.following?.close();
    this.ledger?.close();
  }
}

// The body of a signed bucket value (the ledger keeps values as they were in the bucket).
function bodyOf(value: Buffer): Buffer | undefined {
  try {
    const b = (JSON.parse(value.toString('utf8')) as { body?: unknown }).body;
    return typeof b === 'string' ? Buffer.from(b, 'base64') : undefined;
  } catch {
    return undefined;
  }
}
