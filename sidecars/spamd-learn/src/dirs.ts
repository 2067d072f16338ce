import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fixOwnership, openChecked, type RefusedPaths, type SystemUser } from '@mta/shared';
import { KINDS, type LearnKind } from './kind.ts';

// The Bayes directory must exist and belong to amavis before sa-learn (as amavis) can create the DB in it.
// An existing directory is left as it is: the content-filter setup owns its permissions.
export async function ensureBayesDir(dbPath: string, user: SystemUser): Promise<void> {
  const dir = dirname(dbPath);
  const made = await mkdir(dir, { recursive: true, mode: 0o755 });
  if (made !== undefined) await fixOwnership(dir, { uid: user.uid, gid: user.gid }, { kind: 'dir' });
}

export interface DropFolders {
  // The folders that are real directories (a link planted in place of one is refused, logged, not watched).
  kinds: LearnKind[];
  // Their group: spamd-learn reads kopano's 0660 files and removes learned ones through it (not root's group).
  gid: number | undefined;
}

const exists = (e: NodeJS.ErrnoException) => {
  if (e.code === 'EEXIST') return false;
  throw e;
};

// kopano creates spam/ (and ham/ when learn_ham is on) itself; a missing one is created with the owner and mode of
// <lib>. As root at start, each gets group read/write/search, so spamd-learn, as amavis in that group, can take
// what kopano drops without being root. The lib itself is the operator's path (it may be a mount); its entries are
// kopano's and are never followed.
export async function ensureDropFolders(lib: string, refused: RefusedPaths): Promise<DropFolders> {
  const st = await stat(lib);
  const root = process.getuid?.() === 0;
  const kinds: LearnKind[] = [];
  let gid: number | undefined;
  for (const k of KINDS) {
    const dir = join(lib, k);
    const made = await mkdir(dir, { mode: st.mode & 0o7777 }).then(() => true, exists);
    try {
      const { fh, st: d } = await openChecked(dir, { kind: 'dir' });
      try {
        if (made && root) await fh.chown(st.uid, st.gid);
        const gidNow = made ? st.gid : d.gid;
        if (root && gidNow !== 0 && (d.mode & 0o070) !== 0o070) await fh.chmod((d.mode & 0o7777) | 0o070);
        if (gidNow !== 0) gid ??= gidNow;
      } finally {
        await fh.close();
      }
      kinds.push(k);
    } catch (e) {
      if (!refused.report(e)) throw e;
    }
  }
  return { kinds, gid };
}

// Leaves root for good before any drop-folder file is read: amavis's uid and gid, plus the drop folders' group.
// Returns false when there is nothing to leave (not started as root).
export function dropPrivileges(user: SystemUser, extraGid: number | undefined): boolean {
  const { setgroups, setgid, setuid } = process;
  if (process.getuid?.() !== 0 || user.uid === 0 || !setgroups || !setgid || !setuid) return false;
  setgroups(extraGid === undefined ? [user.gid] : [user.gid, extraGid]);
  setgid(user.gid);
  setuid(user.uid);
  return true;
}
