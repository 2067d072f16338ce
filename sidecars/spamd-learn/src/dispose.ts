import { lstat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeAtomic } from '@mta/shared';
import type { LearnKind } from './kind.ts';
import type { Failed } from './learn.ts';
import type { FileId } from './stage.ts';

const gone = (e: NodeJS.ErrnoException) => {
  if (e.code !== 'ENOENT') throw e;
};

// Removes an original from a drop folder only while the name still holds the file that was read (kopano may have
// replaced it, or planted a link in its place); a file already gone (kopano withdrew it) is fine.
async function removeIfSame(path: string, id: FileId | undefined): Promise<void> {
  if (id && id.ino !== 0) {
    const st = await lstat(path).catch((e: NodeJS.ErrnoException) => gone(e));
    if (!st?.isFile() || st.dev !== id.dev || st.ino !== id.ino) return;
  }
  await unlink(path).catch(gone);
}

// Removes learned originals (see removeIfSame).
export async function deleteLearned(paths: readonly string[], ids: readonly (FileId | undefined)[] = []): Promise<void> {
  for (const [i, p] of paths.entries()) await removeIfSame(p, ids[i]);
}

// Control characters (a newline in a file name could forge a line) and path separators never reach a name or a line.
export const printable = (s: string): string => s.replace(/[\p{Cc}/\\]/gu, '_');

// Keeps a file that failed alone as <failedDir>/<kind>-<name> with <…>.reason beside it, from the bytes that were
// read (never by opening the name again), then removes the original. failedDir is spamd-learn's own: kopano cannot
// write there. Never overwrites an earlier failure of the same name; killed half-way, the original is still there.
export async function moveToFailed(failedDir: string, kind: LearnKind, f: Failed): Promise<string> {
  const name = printable(basename(f.path));
  let target = join(failedDir, `${kind}-${name}`);
  if (
    await lstat(target).then(
      () => true,
      () => false,
    )
  )
    target = `${target}.${Date.now()}`;
  const reason = `${new Date().toISOString()} ${kind} ${JSON.stringify(basename(f.path))}: ${printable(f.reason)}\n`;
  await writeAtomic(`${target}.reason`, reason, { mode: 0o640 });
  // What could not be read at all stays where it is (only its reason is kept): nothing is lost.
  if (!f.data) return `${target}.reason`;
  await writeAtomic(target, f.data, { mode: 0o640 });
  await removeIfSame(f.path, f.id);
  return target;
}
