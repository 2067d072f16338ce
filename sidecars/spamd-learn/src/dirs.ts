import { chown, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SystemUser } from '@mta/shared';
import { KINDS } from './kind.ts';

// The Bayes directory must exist and belong to amavis before sa-learn (as amavis) can create the DB in it.
// An existing directory is left as it is: the content-filter setup owns its permissions.
export async function ensureBayesDir(dbPath: string, user: SystemUser): Promise<void> {
  const dir = dirname(dbPath);
  const made = await mkdir(dir, { recursive: true, mode: 0o755 });
  if (made !== undefined) await chown(dir, user.uid, user.gid);
}

// kopano creates spam/ (and ham/ when learn_ham is on) itself; a missing one is created with the owner and mode of
// <lib>, so kopano in the other container can still write into it.
export async function ensureDropFolders(lib: string): Promise<void> {
  const st = await stat(lib);
  for (const k of KINDS) {
    const dir = join(lib, k);
    if (
      await mkdir(dir, { mode: st.mode & 0o7777 }).then(
        () => true,
        (e: NodeJS.ErrnoException) => {
          if (e.code === 'EEXIST') return false;
          throw e;
        },
      )
    )
      await chown(dir, st.uid, st.gid);
  }
}
