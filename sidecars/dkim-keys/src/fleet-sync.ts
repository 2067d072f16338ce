import { mkdir } from 'node:fs/promises';
import { claimOrAdopt, DKIM_BUCKET, type Following, followBucket, kvKey, openBucket } from '@mta/shared';
import type { DkimCore } from './core.ts';
import { applyFleetKey, readLocalKey } from './fleet.ts';
import { listKeys } from './inventory.ts';
import { parseKeyFileName } from './names.ts';

type Conn = Parameters<typeof openBucket>[0];
type Bucket = Awaited<ReturnType<typeof openBucket>>;

// How the service reaches the fleet: the bus's live connection (undefined once the bus closed first).
export interface FleetLink {
  connection: () => Promise<Conn | undefined>;
  // How long the start waits for the fleet before generating a missing key locally (default 3 s).
  startWaitMs?: number;
  // Pause between attempts while the bucket cannot be opened (no JetStream yet, no permission …).
  retryMs?: number;
}

// DKIM key sync with the KV bucket mta-dkim (`<domain>.<selector>` -> PEM): publish when absent, adopt otherwise,
// and follow the bucket so a key published (or rotated) later by any node is adopted here too.
export class DkimFleet {
  private kv: Bucket | undefined;
  private following: Following | undefined;

  constructor(
    private readonly core: DkimCore,
    private readonly link: FleetLink,
    private readonly run: <T>(job: () => Promise<T>) => Promise<T>,
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

  // Before generating: domains without a local key take the fleet's key when there is one.
  async preAdopt(domains: readonly string[]): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    await mkdir(this.core.dir, { recursive: true, mode: 0o755 });
    for (const domain of domains) {
      const id = { domain, selector: this.core.selector };
      if (await readLocalKey(this.core, id)) continue;
      const e = await kv.get(kvKey(domain, id.selector));
      if (e?.operation === 'PUT' && e.value.length) await applyFleetKey(this.core, id, Buffer.from(e.value));
    }
  }

  // Every usable local key: published when the bucket has none (create), else the bucket's key wins.
  async publishLocal(): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    for (const k of await listKeys(this.core.dir)) {
      if (!k.info) continue;
      const local = await readLocalKey(this.core, k);
      if (!local) continue;
      const r = await claimOrAdopt(kv, kvKey(k.domain, k.selector), local.bytes);
      if (r.kind === 'published')
        this.core.log.info(
          { event: 'dkim.fleet.published', domain: k.domain, selector: k.selector, fingerprint: k.info.fingerprint },
          'DKIM key published to the fleet',
        );
      else if (r.kind === 'conflict') await applyFleetKey(this.core, k, Buffer.from(r.value));
    }
  }

  // Background: follow the bucket (reopened after errors, reconnects and stalls); each (re)start first publishes
  // our keys, then every entry (current ones first) is applied.
  start(): void {
    this.following = followBucket({
      connection: this.link.connection,
      bucket: DKIM_BUCKET,
      log: this.core.log,
      retryMs: this.link.retryMs,
      onOpen: async (kv) => {
        this.kv = kv;
        await this.run(() => this.publishLocal());
      },
      onEntry: async (e) => {
        const id = parseKeyFileName(`${e.key}.privkey.pem`);
        if (!id) {
          this.core.log.warn({ event: 'dkim.fleet.badkey', entry: e.key }, 'fleet DKIM entry name is not <domain>.<selector>');
          return;
        }
        const value = Buffer.from(e.value);
        await this.run(() => applyFleetKey(this.core, id, value));
      },
    });
  }

  async close(): Promise<void> {
    await this.following?.close();
  }
}
