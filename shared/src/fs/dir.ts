import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fixOwnership, type Ownership } from './owner.ts';

// A directory with exactly this mode and owner, created when missing (parents 0755). A symbolic link in its place is
// refused, never followed. Returns whether it was created.
export async function ensureDir(path: string, want: Ownership & { mode: number }): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const created = await mkdir(path, { mode: want.mode }).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return false;
      throw e;
    },
  );
  await fixOwnership(path, want, { kind: 'dir' });
  return created;
}
