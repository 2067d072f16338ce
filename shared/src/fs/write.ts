import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsError } from './errors.ts';
import { isUnsafe, openNoFollow, sameContent } from './open.ts';
import { fixOwnership } from './owner.ts';
import { fsyncDir } from './sync.ts';

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  // false: the caller fsyncs the directory once after a batch of writes into it (syncDirs), before it relies on them.
  syncDir?: boolean;
  // writeAtomic: asked once the data is in the temp file (before any fsync); false drops it, leaving the target as
  // it was. For data made in pieces whose digest is known only once written (the tables file).
  keepIf?: () => Promise<boolean> | boolean;
}

const { O_CREAT, O_EXCL, O_WRONLY } = constants;
let counter = 0;

// The temp name of an atomic write next to its target; a killed run leaves it behind.
export const tempName = (path: string): string => join(dirname(path), `.${basename(path)}.mta-tmp-${process.pid}-${++counter}`);

// Temp file created exclusively in the same directory (O_EXCL|O_NOFOLLOW: nothing planted is opened), owner and mode
// set on the handle, fsync, rename over the target (which replaces a link instead of writing through it), directory
// fsync: readers see the old or the new file, never half, and a link planted at the target reaches nothing.
// `data` may come in pieces (a table-sized text made a piece at a time, never held whole). Returns false when
// opts.keepIf dropped it.
export async function writeAtomic(path: string, data: string | Buffer | Iterable<string>, opts: WriteOptions = {}): Promise<boolean> {
  const staged = await stageAtomic(path, data, opts);
  if (!staged) return false;
  await staged.commit();
  return true;
}

// An atomic write made durable in its temp file but not yet in place: commit() renames it over the target (and
// fsyncs the directory), discard() drops it.
export interface StagedWrite {
  commit: () => Promise<void>;
  discard: () => Promise<void>;
}

// writeAtomic in two steps: the slow part (the data written and fsynced into the temp file) while the caller does
// other work, the rename only once the caller knows the write is wanted (the seed's tables file, made while postfix
// checks the staged configuration). undefined when opts.keepIf dropped it.
export async function stageAtomic(
  path: string,
  data: string | Buffer | Iterable<string>,
  opts: WriteOptions = {},
): Promise<StagedWrite | undefined> {
  const tmp = tempName(path);
  // What was being done when it failed, for the error: every step names itself.
  let op = 'create a temporary file for';
  const drop = () => unlink(tmp).catch(() => undefined);
  try {
    const fh = await openNoFollow(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o600);
    let keep = true;
    try {
      op = 'write';
      await fh.writeFile(data);
      keep = (await opts.keepIf?.()) ?? true;
      if (keep) {
        op = 'change the owner of';
        if (opts.uid !== undefined && opts.gid !== undefined) await fh.chown(opts.uid, opts.gid);
        op = 'change the mode of';
        await fh.chmod(opts.mode ?? 0o644);
        op = 'write';
        await fh.sync();
      }
    } finally {
      await fh.close();
    }
    if (!keep) {
      await unlink(tmp);
      return undefined;
    }
  } catch (e) {
    await drop();
    throw fsError(op, path, e);
  }
  return {
    commit: async () => {
      try {
        await rename(tmp, path);
        if (opts.syncDir !== false) await fsyncDir(dirname(path));
      } catch (e) {
        await drop();
        throw fsError('replace', path, e);
      }
    },
    discard: async () => {
      await drop();
    },
  };
}

// Writes only when content, mode or owner differ, so re-running leaves mtimes alone. Returns whether it wrote. A
// symbolic link, hard link or non-file at the path is refused (UnsafePathError), never written through.
export async function writeIfChanged(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<boolean> {
  const want = Buffer.isBuffer(data) ? data : Buffer.from(data);
  let same: boolean;
  try {
    same = await sameContent(path, want);
  } catch (e) {
    if (isUnsafe(e)) throw e;
    throw fsError('read', path, e);
  }
  if (same) {
    const owner = opts.uid !== undefined && opts.gid !== undefined ? { uid: opts.uid, gid: opts.gid } : {};
    await fixOwnership(path, { mode: opts.mode ?? 0o644, ...owner });
    return false;
  }
  await writeAtomic(path, want, opts);
  return true;
}

// Identity of a file's content without reading it: any write changes ctime, even when size and mtime are put back
// (cp -p). Lets a sidecar skip parsing what it already handled, so an idle one never loads node:crypto.
export const stampOf = (s: Stats): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

// The directories of a batch of renamed files made durable, each once and side by side (a batch of writes with
// syncDir: false): one fsync per directory instead of one per file.
export async function syncDirs(paths: readonly string[]): Promise<void> {
  await Promise.all([...new Set(paths.map((p) => dirname(p)))].map((d) => fsyncDir(d)));
}
