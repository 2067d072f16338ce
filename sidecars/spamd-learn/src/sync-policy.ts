import type { LearnKind } from './kind.ts';

// When to merge the Bayes journal. Batches are learned with --no-sync: appending to the journal is cheap and does not
// hold the DB write lock that amavis needs while scanning, so a burst of batches costs one sync instead of one each.
// But SpamAssassin (4.0.1, measured) miscounts nspam/nham when a message still in the journal is re-learned as the
// opposite kind, so the journal is merged before every switch of kind, and as soon as the queue is idle (amavis only
// sees journaled tokens after a sync). A journal left by a crash is merged at start.
// The merge when idle goes with the last batch of a burst: sa-learn without --no-sync merges the journal first, then
// learns into the DB, in one start (Perl and the rules loaded once; a start costs more than the learning of a small
// batch) instead of a second start right after it. Batches with more of their kind still waiting go to the journal.
export class SyncPolicy {
  // The kind whose learning sits unmerged in the journal; 'unknown' after a start.
  private dirty: LearnKind | 'unknown' | undefined = 'unknown';

  needsSyncBefore(kind: LearnKind): boolean {
    return this.dirty !== undefined && this.dirty !== kind;
  }

  // Whether a batch merges the journal in its own run: `last` when nothing else waits once it is taken.
  syncsWith(kind: LearnKind, last: boolean): boolean {
    return last || this.needsSyncBefore(kind);
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
