import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsError, fsOp } from './errors.ts';
import { isUnsafe, type KindRule, openChecked, type UnsafePathError } from './open.ts';

export interface Ownership {
  mode?: number;
  uid?: number;
  gid?: number;
}

// chmod/chown only what differs, through a handle opened without following links: a link or hard link planted in
// a directory another user can write never hands its target over. Returns whether anything changed.
export async function fixOwnership(path: string, want: Ownership, rule: KindRule = { kind: 'any' }): Promise<boolean> {
  const { fh, st } = await openChecked(path, rule).catch((e) => {
    throw isUnsafe(e) ? e : fsError('open', path, e);
  });
  try {
    let changed = false;
    if (want.mode !== undefined && (st.mode & 0o7777) !== want.mode) {
      await fsOp(`change the mode (to ${want.mode.toString(8)}) of`, path, () => fh.chmod(want.mode as number));
      changed = true;
    }
    const uid = want.uid ?? st.uid;
    const gid = want.gid ?? st.gid;
    if (uid !== st.uid || gid !== st.gid) {
      await fsOp(`change the owner (to ${uid}:${gid}) of`, path, () => fh.chown(uid, gid));
      changed = true;
    }
    return changed;
  } finally {
    await fh.close();
  }
}

// A directory and its direct entries (Razor's home): each entry fixed on its own handle; links and other planted
// entries are skipped and returned, never descended into or changed.
export async function fixOwnershipShallow(dir: string, want: Omit<Ownership, 'mode'>): Promise<{ refused: UnsafePathError[] }> {
  await fixOwnership(dir, want, { kind: 'dir' });
  const refused: UnsafePathError[] = [];
  for (const name of await fsOp('list', dir, () => readdir(dir))) {
    try {
      await fixOwnership(join(dir, name), want, { kind: 'file' });
    } catch (e) {
      if (!isUnsafe(e)) throw e;
      refused.push(e);
    }
  }
  return { refused };
}
