import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { UnsafePathError } from './open.ts';

// Only root can change the entries of this directory: root's, and not writable by group or others (the sticky bit of
// /tmp lets others add entries but never rename or remove root's).
const rootOnly = (st: Stats): string | undefined => {
  if (st.uid !== 0) return `it belongs to uid ${st.uid}`;
  if (st.mode & 0o022 && !(st.mode & 0o1000)) return 'others can write to it';
  return undefined;
};

// The real path of a directory that nobody but root can swap along the way: every directory from / to it belongs to
// root and only root writes to it, and a symbolic link on the way is followed only when root made it (in such a
// directory). For the operator's part of a path whose last component another uid may own (KOPANO_SPAMD_LIB's parent):
// once this holds, the path resolves the same until root changes it. Otherwise an UnsafePathError names the component.
export async function rootOnlyDir(path: string): Promise<string> {
  if (!isAbsolute(path)) throw new UnsafePathError(path, 'it is not an absolute path');
  const check = (p: string, st: Stats) => {
    if (!st.isDirectory()) throw new UnsafePathError(p, 'it is not a directory');
    const why = rootOnly(st);
    if (why) throw new UnsafePathError(p, why);
  };
  check('/', await lstat('/'));
  let done = '/';
  const rest = path.split('/').filter(Boolean);
  let hops = 0;
  while (rest.length > 0) {
    const c = rest.shift() as string;
    if (c === '.') continue;
    if (c === '..') {
      done = dirname(done);
      continue;
    }
    const p = join(done, c);
    const st = await lstat(p);
    if (st.isSymbolicLink()) {
      if (st.uid !== 0) throw new UnsafePathError(p, `it is a symbolic link of uid ${st.uid}`);
      if (++hops > 40) throw new UnsafePathError(path, 'too many symbolic links');
      const target = await readlink(p);
      if (isAbsolute(target)) done = '/';
      rest.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    check(p, st);
    done = p;
  }
  return done;
}
