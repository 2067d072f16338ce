import { Backoff, type Bus, coalesce, type Logger, type RefusedPaths, sleep } from '@mta/shared';
import { EnvironmentFailure } from './bisect.ts';
import { moveToFailed, printable } from './dispose.ts';
import type { QueueItem } from './item.ts';
import type { LearnKind } from './kind.ts';
import { type LearnOptions, learnFiles, syncBayes } from './learn.ts';
import { nextBatch, type Pending } from './plan.ts';
import type { Staged } from './stage.ts';
import { SyncPolicy } from './sync-policy.ts';

interface Queued extends Pending {
  item: QueueItem;
}

export interface QueueOptions extends Omit<LearnOptions<QueueItem>, 'onLearned'> {
  // spamd-learn's own directory for files that failed alone (kopano cannot write there).
  failedDir: string;
  // Links, hard links and other planted entries of the drop folders: logged once, left alone.
  refused: RefusedPaths;
  batchMs: number;
  batchMax: number;
  log: Logger;
  bus?: Bus;
  signal: AbortSignal;
  backoff?: Backoff;
  // Fleet mode: runs when files are in the DB, before they are deleted (publish their copies, ack fleet deliveries).
  onLearned?: (kind: LearnKind, part: readonly Staged<QueueItem>[]) => Promise<void>;
  // Fleet mode: an item that failed alone; true = handled (not moved to failed/).
  onFailed?: (item: QueueItem, reason: string) => Promise<boolean>;
}

// Collects complete files and learns them in batches, one at a time (sa-learn serialises on the DB lock anyway).
export class LearnQueue {
  private readonly pending = new Map<string, Queued>();
  private readonly policy = new SyncPolicy();
  private readonly backoff: Backoff;
  private seq = 0;
  // One drain at a time; the batch window opens with the first file and closes early when a batch is full.
  private readonly runs = coalesce(() => this.drain());

  constructor(private readonly opts: QueueOptions) {
    this.backoff = opts.backoff ?? new Backoff();
  }

  // A complete file appeared (or was rewritten) in a drop folder, or came from the fleet.
  add(item: QueueItem, mtimeMs: number): void {
    this.pending.set(item.key, { key: item.key, kind: item.kind, name: item.name, mtimeMs, seq: this.seq++, item });
    // Debug lines mark each phase of a file's way through the queue (bench fleet-learn times them).
    this.opts.log.debug({ event: 'spamd.queued', kind: item.kind, pending: this.pending.size }, 'file queued');
    this.kick();
  }

  remove(key: string): void {
    this.pending.delete(key);
  }

  // Files waiting to be learned (fleet heartbeats report it as learn lag).
  get size(): number {
    return this.pending.size;
  }

  // Resolves once nothing is pending or running (tests, `stop`).
  idle(): Promise<void> {
    return this.runs.idle();
  }

  stop(): Promise<void> {
    return this.runs.close();
  }

  private kick(): void {
    if (this.opts.signal.aborted) return;
    this.runs.request(this.pending.size >= this.opts.batchMax ? 0 : this.opts.batchMs);
  }

  private async drain(): Promise<void> {
    const { signal, log } = this.opts;
    while (!signal.aborted) {
      const batch = nextBatch(this.pending.values(), this.opts.batchMax);
      if (!batch) break;
      try {
        // A merge that must come first runs alone: when the DB is unusable, that one run tells (a start, a switch).
        if (this.policy.needsSyncBefore(batch.kind)) await this.sync();
        const sync = this.policy.syncsWith(batch.kind, batch.items.length === this.pending.size);
        for (const p of batch.items) this.pending.delete(p.key);
        log.debug({ event: 'spamd.batch', kind: batch.kind, count: batch.items.length, sync }, 'batch starts');
        await this.learn(batch.kind, batch.items, sync);
        this.backoff.reset();
      } catch (e) {
        const reason = e instanceof EnvironmentFailure ? e.reason : (e as Error).message;
        // Not learned, not deleted: back in the queue unless a newer event replaced them meanwhile.
        for (const p of batch.items) if (!this.pending.has(p.key)) this.pending.set(p.key, p);
        if (signal.aborted) break;
        const retryInMs = this.backoff.next();
        log.warn({ event: 'spamd.retry', kind: batch.kind, count: batch.items.length, reason, retryInMs }, 'learning failed; files kept');
        this.opts.bus?.publish('mta.spamd.failed', { kind: batch.kind, count: batch.items.length, reason, retryInMs });
        await sleep(retryInMs, signal);
      }
    }
    if (!signal.aborted && this.pending.size === 0 && this.policy.needsSyncWhenIdle())
      await this.sync().catch((e: Error) => {
        const retryInMs = this.backoff.next();
        log.warn({ event: 'spamd.sync', reason: e.message, retryInMs }, 'journal sync failed; retrying');
        this.runs.request(retryInMs);
      });
  }

  private async sync(): Promise<void> {
    const started = performance.now();
    const bad = await syncBayes(this.opts.runner);
    if (bad) throw new EnvironmentFailure(bad);
    this.policy.synced();
    this.opts.log.debug({ event: 'spamd.synced', durationMs: Math.round(performance.now() - started) }, 'journal merged');
  }

  private async learn(kind: LearnKind, items: readonly Queued[], sync: boolean): Promise<void> {
    const { log, bus, failedDir, refused } = this.opts;
    // Marked before the run: a batch that fails halfway may still have journaled its first halves.
    this.policy.learned(kind);
    const r = await learnFiles(
      kind,
      items.map((p) => p.item),
      {
        ...this.opts,
        sync,
        onLearned: async (part) => {
          await this.opts.onLearned?.(kind, part);
          for (const s of part) await s.source.remove(s.id);
        },
      },
    );
    // Every run of the batch merged the journal before learning into the DB: nothing is left in it. (A batch whose
    // files all vanished or failed ran nothing that could be trusted to have merged it.)
    if (sync && r.learned.length > 0) this.policy.synced();
    for (const x of r.refused) refused.report(x.error);
    for (const f of r.failed) {
      if (await this.opts.onFailed?.(f.source, f.reason)) continue;
      const to = await moveToFailed(failedDir, kind, f);
      log.warn({ event: 'spamd.rejected', kind, file: printable(f.source.name), movedTo: to, reason: f.reason }, 'file moved to failed/');
    }
    log.info(
      {
        event: 'spamd.learned',
        kind,
        count: r.learned.length,
        failed: r.failed.length,
        vanished: r.vanished.length,
        durationMs: r.durationMs,
      },
      `learned ${r.learned.length} ${kind} message(s)`,
    );
    if (r.learned.length > 0) bus?.publish('mta.spamd.learned', { kind, count: r.learned.length, durationMs: r.durationMs });
    if (r.failed.length > 0)
      bus?.publish('mta.spamd.failed', {
        kind,
        count: r.failed.length,
        files: r.failed.map((f) => ({ file: printable(f.source.name), reason: f.reason })),
      });
  }
}
