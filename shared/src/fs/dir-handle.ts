import type { Stats } from 'node:fs';
import { constants, type FSWatcher, watch } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { isUnsafe, type KindRule, openChecked, UnsafePathError } from './open.ts';

const { O_DIRECTORY, O_NOFOLLOW, O_RDONLY } = constants;

// Which file an entry was when it was read: removing it later checks it is still that file.
export interface FileId {
  dev: number;
  ino: number;
}

// Only a plain name reaches /proc/self/fd/<fd>/<name>: a slash or dot-dot would walk out of the directory.
const plainName = (name: string): boolean => name !== '' && name !== '.' && name !== '..' && !/[/\0]/.test(name);

const closedError = (path: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${path}: directory handle closed`), { code: 'ENOENT' });

async function openDirAt(at: string, label: string): Promise<{ fh: FileHandle; st: Stats }> {
  let fh: FileHandle;
  try {
    fh = await open(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'ENOTDIR') throw e;
    // O_DIRECTORY answers ENOTDIR for a link too: say which it was.
    const link = await lstat(at).then(
      (st) => st.isSymbolicLink(),
      () => code === 'ELOOP',
    );
    throw new UnsafePathError(label, link ? 'it is a symbolic link' : 'it is not a directory');
  }
  try {
    return { fh, st: await fh.stat() };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

// A directory opened once (the directory itself never through a link) and from then on used only through its handle:
// what openat/unlinkat/renameat give C, which Node lacks. An entry is reached as /proc/self/fd/<fd>/<name>, which the
// kernel resolves through the open directory and never through the directory's path again, so a less-trusted owner
// who renames the directory or puts a link where it was changes nothing for what is read, created or removed through
// it. The entry itself still needs O_NOFOLLOW, which every method here uses. The descriptor is closed only when no
// operation is using it: a reused descriptor number must never stand in for this directory.
export class DirHandle {
  private users = 0;
  private closed = false;
  private release: (() => void) | undefined;
  private readonly watchers = new Set<FSWatcher>();

  private constructor(
    private readonly fh: FileHandle,
    // The path it was opened as: for logs and errors only, never opened again.
    readonly path: string,
    // The directory as opened (dev, ino, owner, mode).
    readonly st: Stats,
  ) {}

  // Opens a directory by path; a symbolic link in the last component is refused (UnsafePathError), as is a non-directory.
  static async open(path: string): Promise<DirHandle> {
    const { fh, st } = await openDirAt(path, path);
    return new DirHandle(fh, path, st);
  }

  // The path of an entry for logs and errors.
  label(name: string): string {
    return `${this.path}/${name}`;
  }

  // Runs fn while the descriptor is guaranteed open, with the path through the handle of an entry (at(name)) or of
  // the directory itself (at()).
  async use<T>(fn: (at: (name?: string) => string) => Promise<T>): Promise<T> {
    if (this.closed) throw closedError(this.path);
    this.users++;
    try {
      return await fn((name) => {
        const self = `/proc/self/fd/${this.fh.fd}`;
        if (name === undefined) return self;
        if (!plainName(name)) throw new UnsafePathError(this.label(name), 'it is not a plain file name');
        return `${self}/${name}`;
      });
    } finally {
      if (--this.users === 0) this.release?.();
    }
  }

  // A subdirectory, opened through this one (never through a link).
  openDir(name: string): Promise<DirHandle> {
    return this.use(async (at) => {
      const { fh, st } = await openDirAt(at(name), this.label(name));
      return new DirHandle(fh, this.label(name), st);
    });
  }

  // Names in the directory (the directory read through the handle).
  list(): Promise<string[]> {
    return this.use((at) => readdir(at()));
  }

  // The entry itself (a link is described, not followed).
  lstat(name: string): Promise<Stats> {
    return this.use((at) => lstat(at(name)));
  }

  // Creates a subdirectory; false when the name exists already.
  mkdir(name: string, mode: number): Promise<boolean> {
    return this.use((at) =>
      mkdir(at(name), { mode }).then(
        () => true,
        (e: NodeJS.ErrnoException) => {
          if (e.code === 'EEXIST') return false;
          throw e;
        },
      ),
    );
  }

  // Opens an entry without following a link and checks its kind (openChecked); the handle is the caller's to close.
  openEntry(name: string, rule: KindRule = {}, flags = O_RDONLY): Promise<{ fh: FileHandle; st: Stats }> {
    return this.use(async (at) => {
      try {
        return await openChecked(at(name), rule, flags);
      } catch (e) {
        if (isUnsafe(e) && e.path !== this.label(name)) throw new UnsafePathError(this.label(name), e.reason);
        throw e;
      }
    });
  }

  // A whole entry read through a handle that never followed a link; by default only a regular file with one name.
  async read(name: string, rule: KindRule = {}): Promise<{ data: Buffer; st: Stats }> {
    const { fh, st } = await this.openEntry(name, rule);
    try {
      return { data: await fh.readFile(), st };
    } finally {
      await fh.close();
    }
  }

  // Removes an entry while it is still the regular file that was read (id); an entry already gone counts as removed.
  // Returns false when the name now holds something else, which stays.
  unlinkIfSame(name: string, id: FileId): Promise<boolean> {
    return this.use(async (at) => {
      const st = await lstat(at(name)).catch(gone);
      if (!st) return true;
      if (!st.isFile() || st.dev !== id.dev || st.ino !== id.ino) return false;
      await unlink(at(name)).catch(gone);
      return true;
    });
  }

  // inotify on the directory itself (through the handle): events for its entries, whatever its path is now.
  watch(onChange: (name: string | null) => void, onError: (err: unknown) => void): Promise<FSWatcher> {
    return this.use(async (at) => {
      const w = watch(at(), { persistent: true }, (_event, name) => onChange(name ? String(name) : null));
      w.on('error', onError);
      w.on('close', () => this.watchers.delete(w));
      this.watchers.add(w);
      return w;
    });
  }

  // Owner and mode of the directory itself, changed through the handle.
  chown(uid: number, gid: number): Promise<void> {
    return this.use(() => this.fh.chown(uid, gid));
  }

  chmod(mode: number): Promise<void> {
    return this.use(() => this.fh.chmod(mode));
  }

  // True when st (an lstat of a name) is this very directory.
  isSame(st: Pick<Stats, 'dev' | 'ino'>): boolean {
    return st.dev === this.st.dev && st.ino === this.st.ino;
  }

  // Stops its watchers; the descriptor closes once no operation uses it, and later operations find it gone (ENOENT).
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) w.close();
    if (this.users > 0) await new Promise<void>((r) => (this.release = r));
    await this.fh.close();
  }
}

const gone = (e: NodeJS.ErrnoException): undefined => {
  if (e.code !== 'ENOENT') throw e;
  return undefined;
};
