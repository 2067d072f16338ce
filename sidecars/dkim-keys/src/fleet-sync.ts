import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  claimSigned,
  DKIM_BUCKET,
  type FleetBucket,
  type FleetConnection,
  type FleetIdentity,
  type Following,
  followSigned,
  kvKey,
  openBucket,
  type Publish,
  reportRefusal,
} from '@mta/shared';
import type { DkimCore } from './core.ts';
import { applyFleetKey, type FleetPolicy, readLocalKey, retireLocalKey } from './fleet.ts';
import { listKeys } from './inventory.ts';
import { type KeyId, keyFileName, parseKeyFileName } from './names.ts';

// How the service reaches the fleet: the bus's live connection (undefined once the bus closed first).
export interface FleetLink {
  connection: () => Promise<FleetConnection | undefined>;
  identity: FleetIdentity;
  publish?: Publish;
  // How long the start waits for the fleet before generating a missing key locally (default 3 s).
  startWaitMs?: number;
  // First pause between attempts while the bucket cannot be opened (no JetStream yet, no permission …).
  retryMs?: number;
}

// DKIM key sync with the KV bucket mta-dkim (`<domain>.<selector>` -> signed PEM): publish when absent, adopt a
// trusted node's key otherwise, and follow the bucket so a key published (rotated, retired) later is applied here.
// Only keys for the domains this node serves, of at least DKIM_KEYBITS, are ever taken.
export class DkimFleet {
  private kv: FleetBucket | undefined;
  private following: Following | undefined;

  constructor(
    private readonly core: DkimCore,
    private readonly link: FleetLink,
    private readonly run: <T>(job: () => Promise<T>) => Promise<T>,
    private readonly policy: FleetPolicy,
    // Mints the key of a domain whose key was retired (the normal generation path).
    private readonly regenerate: (domain: string) => Promise<void>,
  ) {}

  // One bounded attempt at the start: connected and bucket open within startWaitMs, else undefined (keep going locally).
  async open(): Promise<boolean> {
    const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), this.link.startWaitMs ?? 3000).unref());
    const nc = await Promise.race([this.link.connection(), timeout]);
    if (!nc) return false;
    try {
      this.kv = await openBucket(nc, DKIM_BUCKET);
      return true;
    } catch (e) {
      this.core.log.warn({ event: 'dkim.fleet.unavailable', err: (e as Error).message }, 'DKIM fleet bucket not available yet');
      return false;
    }
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
      const r = await claimSigned(kv, this.link.identity, DKIM_BUCKET, kvKey(domain, id.selector), undefined);
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
        const since = (await stat(join(this.core.dir, keyFileName(k))).catch(() => undefined))?.mtime;
        const r = await claimSigned(kv, this.link.identity, DKIM_BUCKET, kvKey(k.domain, k.selector), local.bytes, since);
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

  // Background: follow the bucket (reopened after errors, reconnects and stalls); each (re)start first publishes
  // our keys, then every entry (current ones first) is checked and applied.
  start(): void {
    this.following = followSigned({
      connection: this.link.connection,
      bucket: DKIM_BUCKET,
      log: this.core.log,
      identity: this.link.identity,
      publish: this.link.publish,
      retryMs: this.link.retryMs,
      onOpen: async (kv) => {
        this.kv = kv;
        await this.run(() => this.publishLocal());
      },
      onEntry: async (key, e) => {
        const id = parseKeyFileName(`${key}.privkey.pem`);
        if (!id) return 'entry name is not <domain>.<selector>';
        if (e.op === 'put') return this.run(() => this.adopt(id, e.body));
        // A retirement of a domain served elsewhere only is none of this node's business.
        if (!this.policy.served.has(id.domain.toLowerCase())) return undefined;
        await this.run(async () => {
          if (await retireLocalKey(this.core, id)) await this.regenerate(id.domain);
          await this.publishLocal();
        });
        return undefined;
      },
      // A forged or deleted entry: our signed key goes back in (the bucket heals itself).
      onForged: () => this.run(() => this.publishLocal()),
    });
  }

  async close(): Promise<void> {
    await this.following?.close();
  }
}
