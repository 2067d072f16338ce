import { lstat, mkdir, readlink } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import { fsError, fsOp } from './errors.ts';
import { fixOwnership, type Ownership } from './owner.ts';

// The target of a link only root could have made: owned by root, in a directory no other uid can write (the
// image's /etc/amavis -> /srv/etc/amavis). Any other link may have been planted and is never followed.
async function rootsLink(path: string): Promise<string | undefined> {
  const link = await lstat(path).catch(() => undefined);
  if (!link?.isSymbolicLink() || link.uid !== 0) return undefined;
  const parent = await fsOp('inspect', dirname(path), () => lstat(dirname(path)));
  if (!parent.isDirectory() || parent.uid !== 0 || parent.mode & 0o022) return undefined;
  const target = await fsOp('read the link', path, () => readlink(path));
  return isAbsolute(target) ? target : undefined;
}

// A directory with exactly this mode and owner, created when missing (parents 0755). A symbolic link in its place is
// refused, never followed, unless root made it where only root can write: then the directory it names is ensured.
// Returns whether it was created.
export async function ensureDir(path: string, want: Ownership & { mode: number }): Promise<boolean> {
  const target = await rootsLink(path);
  if (target) return ensureDir(target, want);
  await makeDirs(dirname(path));
  const created = await mkdir(path, { mode: want.mode }).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return false;
      throw fsError('create the directory', path, e);
    },
  );
  await fixOwnership(path, want, { kind: 'dir' });
  return created;
}

// A directory and its missing parents (0755), for files root writes into a tree of its own.
export async function makeDirs(path: string): Promise<void> {
  await fsOp('create the directory', path, () => mkdir(path, { recursive: true, mode: 0o755 }));
}
