import { opendir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir } from '../fs/dir.ts';
import { readIfExists } from '../fs/open.ts';
import { writeAtomic } from '../fs/write.ts';
import type { Logger } from '../log.ts';
import { serial } from '../schedule.ts';
import type { FleetIdentity } from './identity.ts';
import { envelopeFacts, type LedgerFile, ledgerFileName, parseLedgerFile, withRetired, withValue } from './ledger-file.ts';

export { ledgerFileName } from './ledger-file.ts';

export interface LedgerOptions {
  // This bucket's directory under the fleet state (`/srv/var/fleet/<bucket>`): root's alone, 0700.
  dir: string;
  bucket: string;
  identity: FleetIdentity;
  log: Logger;
  // Most keys remembered (default 100 000): beyond it, records whose time has passed go first, then the oldest.
  maxRecords?: number;
  now?: () => number;
}

// The newest signed value this node applied for a key, as it was in the bucket.
export interface Newest {
  value: Buffer;
  at: string;
  op: string;
}

const LEDGER_MAX_RECORDS = 100_000;
const PRUNE_EVERY_MS = 86_400_000;

// A node's memory of one fleet bucket, kept on /srv so that a restart does not forget it: per key the newest signed
// entry it applied (what "older" means for a replay, and what it puts back) and the content retired under that key.
// One small file per key, read when an entry arrives, so an idle sidecar holds none of it in memory; writes are
// atomic and link-safe (shared/src/fs), one at a time.
export class FleetLedger {
  private readonly write = serial();
  private count = 0;
  private pruning: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly max: number;
  private readonly now: () => number;

  private constructor(private readonly opts: LedgerOptions) {
    this.max = opts.maxRecords ?? LEDGER_MAX_RECORDS;
    this.now = opts.now ?? Date.now;
  }

  static async open(opts: LedgerOptions): Promise<FleetLedger> {
    const ledger = new FleetLedger(opts);
    await ensureDir(opts.dir, { mode: 0o700 });
    ledger.count = await ledger.countFiles();
    // A minute after the start (out of the way of the first sync), then daily: a sidecar restarted more often than
    // daily still prunes.
    const first = setTimeout(
      () => {
        void ledger.prune();
        ledger.timer = setInterval(() => void ledger.prune(), PRUNE_EVERY_MS);
        ledger.timer.unref();
      },
      ledger.count > ledger.max ? 0 : 60_000,
    );
    first.unref();
    ledger.timer = first;
    return ledger;
  }

  get bucket(): string {
    return this.opts.bucket;
  }

  private path(key: string): string {
    return join(this.opts.dir, ledgerFileName(key));
  }

  private async load(key: string): Promise<LedgerFile | undefined> {
    try {
      const data = await readIfExists(this.path(key));
      return data ? parseLedgerFile(data.toString('utf8'), key) : undefined;
    } catch (e) {
      this.opts.log.warn(
        { event: 'fleet.ledger.unreadable', bucket: this.opts.bucket, entry: key, err: (e as Error).message },
        'fleet ledger record unreadable; ignored',
      );
      return undefined;
    }
  }

  private async save(key: string, next: LedgerFile | undefined, existed: boolean): Promise<void> {
    if (!next) return;
    await writeAtomic(this.path(key), `${JSON.stringify(next)}\n`, { mode: 0o600 });
    if (!existed && ++this.count > this.max) void this.prune();
  }

  // The newest entry applied for `key`; undefined when none, or when its signer is no longer trusted.
  async newest(key: string): Promise<Newest | undefined> {
    const rec = await this.load(key);
    if (!rec?.value) return undefined;
    const value = Buffer.from(rec.value, 'base64');
    const facts = envelopeFacts(value);
    if (!facts || !this.opts.identity.trusts(facts.signer)) return undefined;
    return { value, at: facts.at, op: facts.op };
  }

  // What was retired under `key` (DKIM key fingerprints, certificate serials).
  async retired(key: string): Promise<ReadonlySet<string>> {
    return new Set((await this.load(key))?.retired?.map((r) => r.id));
  }

  // After applying a signed value: it becomes the key's newest unless a newer one is already recorded. keepUntil:
  // until when an older entry could still do harm (records without one stay until the cap evicts them).
  record(key: string, value: Uint8Array, at: string, keepUntil?: number): Promise<void> {
    return this.write(async () => {
      const cur = await this.load(key);
      await this.save(key, withValue(cur, key, value, at, keepUntil), !!cur);
    });
  }

  // Content the operator retired (at the retirement's signed time): never taken or published again.
  retire(key: string, ids: readonly string[], at: string): Promise<void> {
    return this.write(async () => {
      const cur = await this.load(key);
      await this.save(key, withRetired(cur, key, ids, at), !!cur);
    });
  }

  private async countFiles(): Promise<number> {
    let n = 0;
    for await (const d of await opendir(this.opts.dir)) if (d.isFile() && d.name.endsWith('.json')) n++;
    return n;
  }

  // Drops records whose time has passed, then (above the cap) the oldest; and temp files of a killed write.
  prune(): Promise<void> {
    this.pruning ??= this.write(() => this.pruneNow()).finally(() => {
      this.pruning = undefined;
    });
    return this.pruning;
  }

  private async pruneNow(): Promise<void> {
    const now = this.now();
    const kept: { name: string; at: number }[] = [];
    let expired = 0;
    for await (const d of await opendir(this.opts.dir)) {
      if (!d.isFile()) continue;
      const file = join(this.opts.dir, d.name);
      if (d.name.startsWith('.') && d.name.includes('.mta-tmp-')) {
        await rm(file, { force: true });
        continue;
      }
      if (!d.name.endsWith('.json')) continue;
      const text = (await readIfExists(file).catch(() => undefined))?.toString('utf8') ?? '';
      const key = (() => {
        try {
          return String((JSON.parse(text) as { key?: unknown }).key ?? '');
        } catch {
          return '';
        }
      })();
      const rec = key && ledgerFileName(key) === d.name ? parseLedgerFile(text, key) : undefined;
      if (!rec || (rec.keepUntil !== undefined && rec.keepUntil < now)) {
        await rm(file, { force: true });
        expired++;
        continue;
      }
      const at = rec.value ? Date.parse(envelopeFacts(Buffer.from(rec.value, 'base64'))?.at ?? '') : Number.NaN;
      kept.push({ name: d.name, at: Number.isFinite(at) ? at : 0 });
    }
    let evicted = 0;
    if (kept.length > this.max) {
      kept.sort((a, b) => a.at - b.at);
      for (const k of kept.slice(0, kept.length - Math.floor(this.max * 0.9))) {
        await rm(join(this.opts.dir, k.name), { force: true });
        evicted++;
      }
      this.opts.log.warn(
        { event: 'fleet.ledger.full', bucket: this.opts.bucket, evicted, max: this.max },
        `fleet ledger of ${this.opts.bucket} is full: forgot the ${evicted} oldest records`,
      );
    }
    this.count = kept.length - evicted;
    if (expired)
      this.opts.log.info({ event: 'fleet.ledger.pruned', bucket: this.opts.bucket, expired }, 'fleet ledger: expired records dropped');
  }

  close(): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
  }
}

// This node's ledger of `bucket`, under the fleet state directory (mtaPaths().fleetState).
export const openLedger = (stateDir: string, bucket: string, identity: FleetIdentity, log: Logger, maxRecords?: number) =>
  FleetLedger.open({ dir: join(stateDir, bucket), bucket, identity, log, maxRecords });
