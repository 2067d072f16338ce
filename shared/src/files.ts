import type { Stats } from 'node:fs';
import { chmod, chown, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, MtaError } from './errors.ts';

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

// After rename, the directory entry itself must reach the disk, or a crash can resurrect the old file.
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// Temp file in the same directory, fsync, rename, directory fsync: readers see the old or the new file, never half.
export async function writeAtomic(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<void> {
  try {
    // Loaded on first write: it pulls in node:crypto and signal-exit, ~5 MB an idle sidecar does not need.
    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(path, data, {
      mode: opts.mode ?? 0o644,
      chown: opts.uid !== undefined && opts.gid !== undefined ? { uid: opts.uid, gid: opts.gid } : undefined,
      fsync: true,
    });
    await fsyncDir(dirname(path));
  } catch (e) {
    throw new MtaError(ErrorCode.Io, `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

// Writes only when content, mode or owner differ, so re-running leaves mtimes alone. Returns whether it wrote.
export async function writeIfChanged(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<boolean> {
  const want = Buffer.isBuffer(data) ? data : Buffer.from(data);
  try {
    const [cur, st] = await Promise.all([readFile(path), stat(path)]);
    if (cur.equals(want)) {
      const mode = opts.mode ?? 0o644;
      if ((st.mode & 0o7777) !== mode) await chmod(path, mode);
      if (opts.uid !== undefined && opts.gid !== undefined && (st.uid !== opts.uid || st.gid !== opts.gid))
        await chown(path, opts.uid, opts.gid);
      return false;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw MtaError.from(e, ErrorCode.Io);
  }
  await writeAtomic(path, want, opts);
  return true;
}

// Identity of a file's content without reading it: any write changes ctime, even when size and mtime are put back
// (cp -p). Lets a sidecar skip parsing what it already handled, so an idle one never loads node:crypto.
export const stampOf = (s: Stats): string => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

// The stamp of a file, or undefined when it does not exist.
export async function fileStamp(path: string): Promise<string | undefined> {
  try {
    return stampOf(await stat(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw MtaError.from(e, ErrorCode.Io);
  }
}
