import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '@mta/shared';
import type { QueueItem } from './item.ts';
import type { LearnKind } from './kind.ts';
import type { Failed } from './learn.ts';

// Control characters (a newline in a file name could forge a line) and path separators never reach a name or a line.
export const printable = (s: string): string => s.replace(/[\p{Cc}/\\]/gu, '_');

// Keeps a file that failed alone as <failedDir>/<kind>-<name> with <…>.reason beside it, from the bytes that were
// read (never by opening the name again), then removes the original. failedDir is spamd-learn's own: kopano cannot
// write there. Never overwrites an earlier failure of the same name; killed half-way, the original is still there.
export async function moveToFailed(failedDir: string, kind: LearnKind, f: Failed<QueueItem>): Promise<string> {
  const name = printable(f.source.name);
  let target = join(failedDir, `${kind}-${name}`);
  if (
    await lstat(target).then(
      () => true,
      () => false,
    )
  )
    target = `${target}.${Date.now()}`;
  const reason = `${new Date().toISOString()} ${kind} ${JSON.stringify(f.source.name)}: ${printable(f.reason)}\n`;
  await writeAtomic(`${target}.reason`, reason, { mode: 0o640 });
  // What could not be read at all stays where it is (only its reason is kept): nothing is lost.
  if (!f.data) return `${target}.reason`;
  await writeAtomic(target, f.data, { mode: 0o640 });
  await f.source.remove(f.id);
  return target;
}
