import { basename, dirname, join, resolve } from 'node:path';
import { DirHandle, ErrorCode, isUnsafe, type Logger, MtaError, type RefusedPaths, rootOnlyDir, UnsafePathError } from '@mta/shared';
import { isKind, KINDS, type LearnKind } from './kind.ts';

// KOPANO_SPAMD_LIB and its spam/ and ham/, each opened once. The reader uses the folders only through these handles.
export interface DropFolders {
  lib: DirHandle;
  // The folders that were real directories at start (a link in place of one is refused, logged, not watched).
  dirs: Map<LearnKind, DirHandle>;
}

const asConfig = (lib: string, e: UnsafePathError) =>
  new MtaError(
    ErrorCode.Config,
    `KOPANO_SPAMD_LIB=${lib}: ${e.path}: ${e.reason}. Only root may be able to change the directories above it ` +
      "(mount kopano's volume at KOPANO_SPAMD_LIB itself), and it must be a directory, not a link",
  );

// What is trusted: the directories above KOPANO_SPAMD_LIB are the operator's and must be root's alone (checked:
// rootOnlyDir); KOPANO_SPAMD_LIB itself and everything in it may be kopano's. So the path is walked once, here, and
// the lib and both folders are opened without following a link; after that nothing kopano renames or links changes
// which directories are used. As root (at start) each folder is also prepared for the reader (prepareFolder).
export async function openDropFolders(libPath: string, group: number, refused: RefusedPaths, log: Logger): Promise<DropFolders> {
  const abs = resolve(libPath);
  let lib: DirHandle;
  try {
    lib = await DirHandle.open(join(await rootOnlyDir(dirname(abs)), basename(abs)));
  } catch (e) {
    throw isUnsafe(e) ? asConfig(libPath, e) : e;
  }
  const root = process.getuid?.() === 0;
  const dirs = new Map<LearnKind, DirHandle>();
  for (const kind of KINDS) {
    try {
      // kopano creates spam/ (and ham/ when learn_ham is on) itself; a missing one gets the owner and mode of the lib.
      if (root && (await lib.mkdir(kind, lib.st.mode & 0o777))) {
        const made = await lib.openDir(kind);
        await made.chown(lib.st.uid, lib.st.gid);
        await made.close();
      }
      const dir = await lib.openDir(kind);
      dirs.set(kind, dir);
      // A file system that refuses (a squashed network mount): kopano's files must then be readable as they are.
      if (root)
        await prepareFolder(dir, group, refused).catch((err: NodeJS.ErrnoException) =>
          log.warn({ event: 'spamd.prepare', kind, group, err: err.code ?? err.message }, `cannot give ${kind}/ the learn group`),
        );
    } catch (e) {
      if (!refused.report(e)) throw e;
    }
  }
  return { lib, dirs };
}

// The folder gets the learn group with group read/write/search and the setgid bit (kopano's new files get that group
// unless kopano sets another), and its existing files (regular, one name) the group too, all through handles. kopano
// keeps owning everything; the reader never needs root or kopano's group.
async function prepareFolder(dir: DirHandle, group: number, refused: RefusedPaths): Promise<void> {
  if (dir.st.gid !== group) await dir.chown(dir.st.uid, group);
  const mode = (dir.st.mode & 0o7777) | 0o2070;
  if ((dir.st.mode & 0o7777) !== mode || dir.st.gid !== group) await dir.chmod(mode);
  for (const name of await dir.list()) {
    const st = await dir.lstat(name).catch(() => undefined);
    if (!st?.isFile() || st.nlink !== 1 || st.gid === group) continue;
    try {
      const { fh, st: now } = await dir.openEntry(name);
      try {
        if (now.ino === st.ino) await fh.chown(now.uid, group);
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (!refused.report(e) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

// kopano putting another real directory in place of spam/ or ham/: that one needs root's preparation, so onReplaced
// (the sidecar exits and runit starts it again). A link put there is refused and logged once, and changes nothing:
// the handles still read the folders opened at start. Needs read access to the lib; without it a replaced folder is
// taken up at the next start.
export async function watchLib(
  d: DropFolders,
  refused: RefusedPaths,
  onReplaced: (kind: LearnKind) => void,
  onError: (err: unknown) => void,
): Promise<void> {
  const check = async (kind: LearnKind) => {
    const st = await d.lib.lstat(kind).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      return undefined;
    });
    if (st?.isSymbolicLink()) refused.report(new UnsafePathError(d.lib.label(kind), 'it is a symbolic link'));
    else if (st?.isDirectory() && !d.dirs.get(kind)?.isSame(st)) onReplaced(kind);
  };
  await d.lib.watch((name) => {
    for (const k of name === null ? KINDS : [name]) if (isKind(k)) check(k).catch(onError);
  }, onError);
}

export async function closeDropFolders(d: DropFolders): Promise<void> {
  for (const dir of d.dirs.values()) await dir.close();
  await d.lib.close();
}
