import { constants } from 'node:fs';
import { chmod, mkdir, readdir, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, type FileId, isUnsafe, type Logger, MtaError, openNoFollow, type UnsafePathError } from '@mta/shared';
import { whyNotMessage } from './message.ts';

// What a source gave when read: the bytes, and which file they came from (to remove exactly that file later).
export interface SourceRead {
  data: Buffer;
  id?: FileId;
}

// Something to learn: a drop-folder entry read through its folder's handle, a fleet message, an operator's file.
export interface LearnSource {
  // Its name in logs and failure records.
  readonly label: string;
  // Throws UnsafePathError for what must never be read (links, hard links, FIFOs …), ENOENT when it is gone.
  read(): Promise<SourceRead>;
}

export interface Staged<T> {
  source: T;
  // The copy sa-learn (amavis) reads.
  file: string;
  id?: FileId;
}

export interface StagedBatch<T> {
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
// The batch directory: the writer's, group amavis (the staging root's setgid bit hands the group down), so the
// runner (amavis) reads the copies and nobody else does; copies 0640.
const BATCH_MODE = 0o2750;

const cannotRead = (e: NodeJS.ErrnoException): string =>
  e.code === 'EACCES'
    ? "cannot read: permission denied (kopano's file must be readable by spamd-learn's group, KOPANO_SPAMD_GID, or by others)"
    : `cannot read: ${e.code ?? e.message}`;

async function batchDir(root: string): Promise<string> {
  for (;;) {
    const dir = join(root, `batch-${Math.random().toString(36).slice(2, 10)}`);
    try {
      await mkdir(dir, { mode: BATCH_MODE & 0o777 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    const st = await stat(dir);
    if ((st.mode & 0o7777) !== BATCH_MODE) await chmod(dir, BATCH_MODE);
    if (((await stat(dir)).mode & 0o7777) !== BATCH_MODE)
      throw new MtaError(ErrorCode.Io, `${root} must be setgid (mode 2750) so that amavis can read the copies in ${dir}`);
    return dir;
  }
}

// Copies the sources into a fresh batch directory under root (prepared mode 2750, group amavis) for the sa-learn
// runner. The copies pin the content learned (kopano's originals may change) and are the only thing the runner may
// read. Each source reads itself: drop-folder entries only as regular files with one name, through their folder's
// handle. Copies are created exclusively (O_EXCL|O_NOFOLLOW), so nothing planted there is written through.
export async function stage<T extends LearnSource>(sources: readonly T[], root: string): Promise<StagedBatch<T>> {
  const dir = await batchDir(root);
  const out: StagedBatch<T> = { dir, staged: [], invalid: [], refused: [], vanished: [] };
  try {
    let i = 0;
    for (const source of sources) {
      let got: SourceRead;
      try {
        got = await source.read();
      } catch (e) {
        if (isUnsafe(e)) out.refused.push({ source, error: e });
        else if ((e as NodeJS.ErrnoException).code === 'ENOENT') out.vanished.push(source);
        else out.invalid.push({ source, reason: cannotRead(e as NodeJS.ErrnoException) });
        continue;
      }
      const { data, id } = got;
      const why = whyNotMessage(data);
      if (why) {
        out.invalid.push({ source, reason: why, data, id });
        continue;
      }
      const file = join(dir, `${i++}.eml`);
      const fh = await openNoFollow(file, O_WRONLY | O_CREAT | O_EXCL, 0o640);
      out.staged.push({ source, file, id });
      try {
        await fh.writeFile(data);
        await fh.chmod(0o640);
      } finally {
        await fh.close();
      }
    }
    return out;
  } catch (e) {
    await unstage(out);
    throw e;
  }
}

// Removes a batch's copies by the names stage gave them, then the directory: never a recursive delete.
export async function unstage<T>(st: StagedBatch<T>): Promise<void> {
  const gone = (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  };
  for (const s of st.staged) await unlink(s.file).catch(gone);
  await rmdir(st.dir).catch(gone);
}

// Batch directories a killed run left (their originals are still where they were and are learned again). Run as the
// writer of the staging root, never as root: a recursive delete in a directory another uid can change is its own.
export async function clearStaging(root: string, log: Logger): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[]))
    if (name.startsWith('batch-'))
      await rm(join(root, name), { recursive: true, force: true }).catch((err: Error) =>
        log.warn({ event: 'spamd.staging', err: err.message }, 'stale batch copies not removed'),
      );
}
