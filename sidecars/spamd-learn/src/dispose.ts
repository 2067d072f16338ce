import { access, mkdir, rename, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fsyncDir, writeAtomic } from '@mta/shared';
import type { LearnKind } from './kind.ts';

// Removes learned originals; a file already gone (kopano withdrew it) is fine.
export async function deleteLearned(paths: readonly string[]): Promise<void> {
  for (const p of paths)
    await unlink(p).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

// Moves a file that failed alone to <lib>/failed/<kind>-<name> with <…>.reason beside it, so an operator can look
// at it and drop it back into spam/ or ham/. Never overwrites an earlier failure of the same name.
export async function moveToFailed(lib: string, kind: LearnKind, path: string, reason: string): Promise<string> {
  const dir = join(lib, 'failed');
  await mkdir(dir, { recursive: true, mode: 0o750 });
  let target = join(dir, `${kind}-${basename(path)}`);
  if (await exists(target)) target = `${target}.${Date.now()}`;
  await writeAtomic(`${target}.reason`, `${new Date().toISOString()} ${kind} ${basename(path)}: ${reason}\n`, { mode: 0o640 });
  await rename(path, target);
  await fsyncDir(dir);
  return target;
}
