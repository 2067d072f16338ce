import { rm } from 'node:fs/promises';
import { EnvironmentFailure, learnBisect } from './bisect.ts';
import type { LearnKind } from './kind.ts';
import { judge, learnArgs, type SaTarget, saLearn, syncArgs } from './sa-learn.ts';
import { stage } from './stage.ts';

export interface LearnOptions {
  target: SaTarget;
  // Parent of the per-batch copy directories.
  stagingRoot: string;
  // Runs as soon as part of the batch is in the DB (the sidecar deletes those originals there).
  onLearned?: (paths: readonly string[]) => Promise<void>;
}

export interface LearnOutcome {
  kind: LearnKind;
  learned: string[];
  failed: { path: string; reason: string }[];
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
  const st = await stage(paths, (p) => p, opts.stagingRoot, target.user);
  try {
    const r = await learnBisect(st.staged, {
      learn: async (part) => {
        if (target.signal?.aborted) throw new EnvironmentFailure('stopping');
        const files = part.map((s) => s.file);
        return judge(await saLearn(learnArgs(kind, files, target), target), files.length);
      },
      healthy: () => syncBayes(target),
      onLearned: async (part) => opts.onLearned?.(part.map((s) => s.source)),
    });
    return {
      kind,
      learned: r.learned.map((s) => s.source),
      failed: [
        ...st.invalid.map((i) => ({ path: i.source, reason: i.reason })),
        ...r.bad.map((b) => ({ path: b.item.source, reason: b.reason })),
      ],
      vanished: st.vanished,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await rm(st.dir, { recursive: true, force: true });
  }
}
