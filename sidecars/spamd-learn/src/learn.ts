import { readFile } from 'node:fs/promises';
import type { FileId, UnsafePathError } from '@mta/shared';
import { EnvironmentFailure, learnBisect } from './bisect.ts';
import type { LearnKind } from './kind.ts';
import type { SaRunner } from './runner.ts';
import { judge } from './sa-learn.ts';
import { type LearnSource, type Staged, stage, unstage } from './stage.ts';

export interface LearnOptions<T> {
  // The amavis process that runs sa-learn; it reads copies under stagingRoot only.
  runner: SaRunner;
  // Parent of the per-batch copy directories (mode 2750, group amavis).
  stagingRoot: string;
  // SPAMD_MAX_SIZE (sa-learn --max-size).
  maxSize?: number;
  // Each run merges the journal first and learns into the DB (see SyncPolicy); otherwise into the journal.
  sync?: boolean;
  signal?: AbortSignal;
  // Runs as soon as part of the batch is in the DB (the sidecar removes those originals there, if still the same).
  onLearned?: (part: readonly Staged<T>[]) => Promise<void>;
}

// A file that failed alone or is no message: its bytes as read go to the failed folder, never re-read by name.
export interface Failed<T> {
  source: T;
  reason: string;
  data?: Buffer;
  id?: FileId;
}

export interface LearnOutcome<T> {
  kind: LearnKind;
  learned: T[];
  failed: Failed<T>[];
  // Planted links and other non-files: left alone, reported by the caller.
  refused: { source: T; error: UnsafePathError }[];
  vanished: T[];
  durationMs: number;
}

// Merges the journal into the DB; the failure reason or undefined. Also the health probe: it needs the write lock.
export async function syncBayes(runner: SaRunner): Promise<string | undefined> {
  return judge(await runner.sync());
}

// The one learning code path (sidecar and `mta learn`): copy, check, one sa-learn for the batch, bisect on failure.
// Throws EnvironmentFailure when the DB cannot be trained at all; the unlearned files are then untouched.
export async function learnFiles<T extends LearnSource>(
  kind: LearnKind,
  sources: readonly T[],
  opts: LearnOptions<T>,
): Promise<LearnOutcome<T>> {
  const started = performance.now();
  const { runner } = opts;
  const st = await stage(sources, opts.stagingRoot);
  try {
    const r = await learnBisect(st.staged, {
      learn: async (part) => {
        if (opts.signal?.aborted) throw new EnvironmentFailure('stopping');
        const files = part.map((s) => s.file);
        return judge(await runner.learn(kind, files, opts.maxSize, opts.sync), files.length);
      },
      healthy: () => syncBayes(runner),
      onLearned: async (part) => opts.onLearned?.(part),
    });
    const bad = await Promise.all(
      r.bad.map(async (b) => ({ source: b.item.source, reason: b.reason, data: await readFile(b.item.file), id: b.item.id })),
    );
    return {
      kind,
      learned: r.learned.map((s) => s.source),
      failed: [...st.invalid, ...bad],
      refused: st.refused,
      vanished: st.vanished,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await unstage(st);
  }
}
