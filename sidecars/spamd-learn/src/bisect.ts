import { ErrorCode, MtaError } from '@mta/shared';
// Thrown when the failure is not any file's fault (DB not writable, lock held, sa-learn missing): keep all files, retry later.
export class EnvironmentFailure extends MtaError {
  constructor(readonly reason: string) {
    super(ErrorCode.Unavailable, reason);
  }
}

export interface BisectResult<T> {
  learned: T[];
  bad: { item: T; reason: string }[];
}

// learn resolves undefined on success or the failure reason; healthy tells whether the DB itself is usable.
export interface BisectOps<T> {
  learn: (items: readonly T[]) => Promise<string | undefined>;
  healthy: () => Promise<string | undefined>;
  // Called as soon as a part succeeded, so its files can be removed before the rest is retried.
  onLearned?: (items: readonly T[]) => Promise<void>;
}

// Learns a batch in one call; on failure halves it until the file that fails alone is found. A lone failure counts
// as the file's fault only when the DB is demonstrably healthy; otherwise EnvironmentFailure keeps everything pending.
export async function learnBisect<T>(items: readonly T[], ops: BisectOps<T>): Promise<BisectResult<T>> {
  const out: BisectResult<T> = { learned: [], bad: [] };
  const probe = async (reason: string): Promise<void> => {
    const sick = await ops.healthy();
    if (sick !== undefined) throw new EnvironmentFailure(`${reason} (Bayes DB unusable: ${sick})`);
  };
  const step = async (part: readonly T[], top = false): Promise<void> => {
    if (part.length === 0) return;
    const reason = await ops.learn(part);
    if (reason === undefined) {
      out.learned.push(...part);
      await ops.onLearned?.(part);
      return;
    }
    // Probing first spares a whole bisection when the DB is the problem, and clears a lone file only when it is not.
    if (top || part.length === 1) await probe(reason);
    if (part.length === 1) {
      out.bad.push({ item: part[0] as T, reason });
      return;
    }
    const mid = Math.ceil(part.length / 2);
    await step(part.slice(0, mid));
    await step(part.slice(mid));
  };
  await step(items, true);
  return out;
}
