import type { LearnKind } from './kind.ts';

// When to merge the Bayes journal. Batches are learned with --no-sync: appending to the journal is cheap and does not
// hold the DB write lock that amavis needs while scanning, so a burst of batches costs one sync instead of one each.
// But SpamAssassin (4.0.1, measured) miscounts nspam/nham when a message still in the journal is re-learned as the
// opposite kind, so the journal is merged before every switch of kind, and as soon as the queue is idle (amavis only
// sees journaled tokens after a sync). A journal left by a crash is merged at start.
export class SyncPolicy {
  // The kind whose learning sits unmerged in the journal; 'unknown' after a start.
  private dirty: LearnKind | 'unknown' | undefined = 'unknown';

  needsSyncBefore(kind: LearnKind): boolean {
    return this.dirty !== undefined && this.dirty !== kind;
  }

  needsSyncWhenIdle(): boolean {
    return this.dirty !== undefined;
  }

  learned(kind: LearnKind): void {
    this.dirty = kind;
  }

  synced(): void {
    this.dirty = undefined;
  }
}
