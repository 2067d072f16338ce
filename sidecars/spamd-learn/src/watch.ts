import type { Stats } from 'node:fs';
import { type Coalesced, coalesce, type DirHandle } from '@mta/shared';
import { isTempName } from './names.ts';

export interface WatchOptions {
  // An entry counts as complete once its size and mtime stayed the same this long (kopano writes over a shared volume).
  stabilityMs: number;
  onFile: (name: string, mtimeMs: number) => void;
  onGone: (name: string) => void;
  onError: (err: unknown) => void;
}

interface Seen {
  size: number;
  mtimeMs: number;
  // A change of owner or mode too (kopano making an unreadable file readable): it is looked at again.
  ctimeMs: number;
  ino: number;
  // When it last changed.
  since: number;
  reported: boolean;
}

const changed = (s: Seen, st: Stats) => s.size !== st.size || s.mtimeMs !== st.mtimeMs || s.ctimeMs !== st.ctimeMs || s.ino !== st.ino;

// Watches one drop folder through its handle (inotify on the directory itself, whatever its path becomes): every
// entry that is not a temp name or a directory is reported once it stayed unchanged (size, times, inode) for
// stabilityMs, again after it changed, and as gone when it disappears. Entries are only looked at (lstat); reading is the learn queue's, through
// the same handle. No timer runs while nothing is settling.
export class FolderWatch {
  private readonly seen = new Map<string, Seen>();
  private readonly dirty = new Set<string>();
  private readonly runs: Coalesced;
  private rescan = true;

  constructor(
    private readonly dir: DirHandle,
    private readonly opts: WatchOptions,
  ) {
    this.runs = coalesce(() => this.sweep(), { onError: opts.onError });
  }

  // Starts watching and reports what is there already.
  async start(): Promise<void> {
    await this.dir.watch((name) => {
      if (name === null) this.rescan = true;
      else if (!isTempName(name)) this.dirty.add(name);
      this.runs.request(0);
    }, this.opts.onError);
    this.runs.request(0);
  }

  // Resolves once nothing is being looked at (tests).
  idle(): Promise<void> {
    return this.runs.idle();
  }

  close(): Promise<void> {
    return this.runs.close();
  }

  private async sweep(): Promise<void> {
    if (this.rescan) {
      this.rescan = false;
      for (const name of await this.dir.list()) if (!isTempName(name)) this.dirty.add(name);
      for (const name of this.seen.keys()) this.dirty.add(name);
    }
    const now = Date.now();
    for (const [name, s] of this.seen) if (!s.reported && now - s.since >= this.opts.stabilityMs) this.dirty.add(name);
    const names = [...this.dirty];
    this.dirty.clear();
    for (const name of names) await this.look(name, now).catch(this.opts.onError);
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.seen.values()) if (!s.reported) next = Math.min(next, s.since + this.opts.stabilityMs);
    if (next < Number.POSITIVE_INFINITY) this.runs.request(Math.max(0, next - Date.now()));
  }

  private async look(name: string, now: number): Promise<void> {
    const st = await this.dir.lstat(name).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
      return undefined;
    });
    const s = this.seen.get(name);
    if (!st || st.isDirectory()) {
      if (s) {
        this.seen.delete(name);
        this.opts.onGone(name);
      }
      return;
    }
    if (!s || changed(s, st)) {
      this.seen.set(name, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino, since: now, reported: false });
      return;
    }
    if (!s.reported && now - s.since >= this.opts.stabilityMs) {
      s.reported = true;
      this.opts.onFile(name, st.mtimeMs);
    }
  }
}
