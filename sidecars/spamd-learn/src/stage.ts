import { constants } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isUnsafe, openNoFollow, readNoFollow, type SystemUser, type UnsafePathError } from '@mta/shared';
import { whyNotMessage } from './message.ts';

// Which file a source was when it was read: deleting it later checks it is still that file.
export interface FileId {
  dev: number;
  ino: number;
}

export interface Staged<T> {
  source: T;
  // Private copy readable by the amavis user.
  file: string;
  id: FileId;
}

export interface StageResult<T> {
  dir: string;
  staged: Staged<T>[];
  // Not a message, or unreadable: the bytes read (if any) go along to the failed folder.
  invalid: { source: T; reason: string; data?: Buffer; id?: FileId }[];
  // Links, hard links, FIFOs … planted in a drop folder: never read, never touched.
  refused: { source: T; error: UnsafePathError }[];
  // Gone before we read them (kopano removed a file when the user changed their mind): nothing to learn.
  vanished: T[];
}

const { O_CREAT, O_EXCL, O_WRONLY } = constants;

// Copies the sources into a fresh directory for sa-learn (amavis). kopano creates its files 0660 with a group id
// from another container, so amavis may not read the originals; the copies also pin the content we learn. Drop
// folders are kopano's: a source is read only when it is a regular file with one name, opened without following a
// link (`trusted`: an operator's own paths, `mta learn`). Copies are created exclusively in a directory that becomes
// amavis's only once they are all written, so nothing planted there is ever written through.
export async function stage<T>(
  sources: readonly T[],
  pathOf: (s: T) => string,
  root: string,
  user: SystemUser,
  trusted = false,
): Promise<StageResult<T>> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(root, 'batch-'));
  const out: StageResult<T> = { dir, staged: [], invalid: [], refused: [], vanished: [] };
  try {
    let i = 0;
    for (const source of sources) {
      let data: Buffer;
      let id: FileId;
      try {
        if (trusted) {
          data = await readFile(pathOf(source));
          id = { dev: 0, ino: 0 };
        } else {
          const r = await readNoFollow(pathOf(source));
          data = r.data;
          id = { dev: r.st.dev, ino: r.st.ino };
        }
      } catch (e) {
        if (isUnsafe(e)) out.refused.push({ source, error: e });
        else if ((e as NodeJS.ErrnoException).code === 'ENOENT') out.vanished.push(source);
        else out.invalid.push({ source, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
        continue;
      }
      const why = whyNotMessage(data);
      if (why) {
        out.invalid.push({ source, reason: why, data, id });
        continue;
      }
      const file = join(dir, `${i++}.eml`);
      const fh = await openNoFollow(file, O_WRONLY | O_CREAT | O_EXCL, 0o600);
      try {
        await fh.writeFile(data);
        await fh.chown(user.uid, user.gid);
      } finally {
        await fh.close();
      }
      out.staged.push({ source, file, id });
    }
    await chown(dir, user.uid, user.gid);
    return out;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

// Removes a batch's copies by the names stage gave them, then the directory: never a recursive delete in a
// directory amavis could have changed meanwhile (root runs this for `mta learn`).
export async function unstage<T>(st: StageResult<T>): Promise<void> {
  const gone = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  };
  for (const s of st.staged) await unlink(s.file).catch(gone);
  await rmdir(st.dir).catch(gone);
}
