import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { ErrorCode, MtaError } from '../errors.ts';

const { O_NOFOLLOW, O_NONBLOCK, O_RDONLY } = constants;

// Refusal of a path that a less-trusted user could have planted; callers log it once (see RefusedPaths).
export class UnsafePathError extends MtaError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(ErrorCode.Unsafe, `refusing ${path}: ${reason}`);
    this.name = 'UnsafePathError';
  }
}

export const isUnsafe = (e: unknown): e is UnsafePathError => e instanceof UnsafePathError;

// Opens the path itself, never what a symbolic link in its last component points to; O_NONBLOCK so a planted FIFO
// cannot hang the caller. A link is an UnsafePathError, every other failure the usual errno error.
export async function openNoFollow(path: string, flags = O_RDONLY, mode?: number): Promise<FileHandle> {
  try {
    return await open(path, flags | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafePathError(path, 'it is a symbolic link');
    throw e;
  }
}

export interface KindRule {
  // What the path must be: a regular file (default), a directory, or either.
  kind?: 'file' | 'dir' | 'any';
  // Refuse a regular file with other names (a hard link to a file elsewhere); default true.
  singleLink?: boolean;
}

// Why an opened path must not be used, or undefined: only what this project writes or is handed in drop folders.
function unsafeKind(st: Stats, rule: KindRule = {}): string | undefined {
  const kind = rule.kind ?? 'file';
  if (st.isDirectory()) return kind === 'file' ? 'it is a directory' : undefined;
  if (kind === 'dir') return 'it is not a directory';
  if (!st.isFile()) return 'it is not a regular file';
  if ((rule.singleLink ?? true) && st.nlink > 1) return `it has ${st.nlink} hard links`;
  return undefined;
}

// Opens without following links and checks the kind; the handle is the caller's to close.
export async function openChecked(path: string, rule: KindRule = {}, flags = O_RDONLY): Promise<{ fh: FileHandle; st: Stats }> {
  const fh = await openNoFollow(path, flags);
  try {
    const st = await fh.stat();
    const why = unsafeKind(st, rule);
    if (why) throw new UnsafePathError(path, why);
    return { fh, st };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

// The first bytes of a single-linked regular file (up to buf.length), read synchronously through a descriptor that
// never followed a link: for scans of many small files a less-trusted uid writes (postfix's queue), where the promise
// API's round trip per call costs more than the read. Undefined when the path is gone, a link, or not such a file.
export function readHeadSync(path: string, buf: Buffer): { bytes: number; st: Stats } | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    return unsafeKind(st) ? undefined : { bytes: readSync(fd, buf, 0, buf.length, 0), st };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

// A whole regular file, read through a handle that never followed a link (drop folders, key dirs).
export async function readNoFollow(path: string, rule: KindRule = {}): Promise<{ data: Buffer; st: Stats }> {
  const { fh, st } = await openChecked(path, rule);
  try {
    return { data: await fh.readFile(), st };
  } finally {
    await fh.close();
  }
}

// A regular file (opened as readNoFollow does) a block at a time, until `each` returns false; undefined when it does
// not exist, else its size. A table source is MB at 100,000 mailboxes: a second copy of it only to compare it was
// the seed's peak.
async function eachBlock(path: string, each: (block: Buffer, at: number, size: number) => boolean): Promise<number | undefined> {
  let opened: Awaited<ReturnType<typeof openChecked>>;
  try {
    opened = await openChecked(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const { fh, st } = opened;
  try {
    const block = Buffer.allocUnsafe(BLOCK);
    for (let at = 0; ; ) {
      const { bytesRead } = await fh.read(block, 0, BLOCK, at);
      if (bytesRead === 0 || !each(block.subarray(0, bytesRead), at, st.size)) break;
      at += bytesRead;
    }
    return st.size;
  } finally {
    await fh.close();
  }
}
const BLOCK = 256 * 1024;

// Whether a regular file holds exactly `data`; false when it does not exist.
export async function sameContent(path: string, data: Buffer): Promise<boolean> {
  let same = true;
  let read = 0;
  const size = await eachBlock(path, (block, at, size) => {
    same = size === data.length && block.equals(data.subarray(at, at + block.length));
    read = at + block.length;
    return same;
  });
  return size !== undefined && same && read === data.length;
}

// The sha256 of a regular file's content (hex); undefined when it does not exist.
export async function fileDigest(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  const size = await eachBlock(path, (block) => {
    hash.update(block);
    return true;
  });
  return size === undefined ? undefined : hash.digest('hex');
}

// The same, or undefined when the file does not exist.
export async function readIfExists(path: string, rule: KindRule = {}): Promise<Buffer | undefined> {
  try {
    return (await readNoFollow(path, rule)).data;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
