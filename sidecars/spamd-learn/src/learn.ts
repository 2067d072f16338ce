import { readFile } from 'node:fs/promises';
import type { UnsafePathError } from '@mta/shared';
import { EnvironmentFailure, learnBisect } from './bisect.ts';
import type { LearnKind } from './kind.ts';
import { judge, learnArgs, type SaTarget, saLearn, syncArgs } from './sa-learn.ts';
import { type FileId, stage, unstage } from './stage.ts';

export interface LearnOptions {
  target: SaTarget;
  // Parent of the per-batch copy directories.
  stagingRoot: string;
  // Runs as soon as part of the batch is in the DB (the sidecar deletes those originals there, if still the same).
  onLearned?: (paths: readonly string[], ids: readonly FileId[]) => Promise<void>;
  // The operator's own paths (`mta learn`): links are followed. Drop folders are never trusted.
  trusted?: boolean;
}

// A file that failed alone or is no message: its bytes as read go to the failed folder, never re-read by name.
export interface Failed {
  path: string;
  reason: string;
  data?: Buffer;
  id?: FileId;
}

export interface LearnOutcome {
  kind: LearnKind;
  learned: string[];
  failed: Failed[];
  // Planted links and other non-files: left alone, reported by the caller.
  refused: { path: string; error: UnsafePathError }[];
  vanished: string[];
  durationMs: number;
}

// Merges the journal into the DB; the failure reason or undefined. Also the health probe: it needs the write lock.
export async function syncBayes(target: SaTarget): Promise<string | undefined> {
  return judge(await saLearn(syncArgs(target), target));
}

// The one learning code path (sidecar and `mta learn`): copy, check, one sa-learn for the batch, bisect on failure.
// Throws EnvironmentFailure when the DB cannot be trained at all; the unlearned files are then untouched.
export async function learnFiles(kind: LearnKind, paths: readonly string[], opts: LearnOptions): Promise<LearnOutcome> {
  const started = performance.now();
  const { target } = opts;
  const st = await stage(paths, (p) => p, opts.stagingRoot, target.user, opts.trusted);
  try {
    const r = await learnBisect(st.staged, {
      learn: async (part) => {
        if (target.signal?.aborted) throw new EnvironmentFailure('stopping');
        const files = part.map((s) => s.file);
        return judge(await saLearn(learnArgs(kind, files, target), target), files.length);
      },
      healthy: () => syncBayes(target),
      onLearned: async (part) =>
        opts.onLearned?.(
          part.map((s) => s.source),
          part.map((s) => s.id),
        ),
    });
    const bad = await Promise.all(
      r.bad.map(async (b) => ({ path: b.item.source, reason: b.reason, data: await readFile(b.item.file), id: b.item.id })),
    );
    return {
      kind,
      learned: r.learned.map((s) => s.source),
      failed: [...st.invalid.map((i) => ({ path: i.source, reason: i.reason, data: i.data, id: i.id })), ...bad],
      refused: st.refused.map((x) => ({ path: x.source, error: x.error })),
      vanished: st.vanished,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await unstage(st);
  }
}
