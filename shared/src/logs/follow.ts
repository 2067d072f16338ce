import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { coalesce } from '../schedule.ts';

export interface FollowLogOptions {
  // Called once per complete line, in order, without the newline; `dir` is the directory it came from.
  onLine: (line: string, dir: string) => void;
  signal: AbortSignal;
  // Read what is already in `current` too (tests, replay); by default following starts at its end.
  fromStart?: boolean;
  // Safety net beside inotify (a missed event, a directory that appeared late); cheap: one fstat.
  pollMs?: number;
  onError?: (err: Error) => void;
}

export interface LogFollower {
  // Resolves once the first read position is known (a line written after this is seen).
  ready: Promise<void>;
  // Reads whatever is new now (after a known write, to skip the event latency in tests and benches).
  poll: () => Promise<void>;
  close: () => void;
}

// Longest partial line kept while waiting for its newline. A longer line is dropped whole, up to its newline: its
// tail must never be read as a line of its own (it would start with whatever text a client put there).
const MAX_PARTIAL = 64 * 1024;

async function endsWithNewline(fh: FileHandle, size: number): Promise<boolean> {
  const one = Buffer.alloc(1);
  await fh.read(one, 0, 1, size - 1);
  return one[0] === 0x0a;
}

// Follows `<dir>/current` as svlogd writes and rotates it (current is renamed to @<stamp>.s and a new one created):
// lines left in the rotated file are read before switching, so nothing is lost or read twice across rotations.
export function followLogDir(dir: string, opts: FollowLogOptions): LogFollower {
  const path = join(dir, 'current');
  let fh: FileHandle | undefined;
  let ino = -1;
  let pos = 0;
  let partial = '';
  // Inside a line whose start was not read (dropped as too long, or begun before following started): skip to its end.
  let skipping = false;
  let watcher: FSWatcher | undefined;
  let first = true;

  const emit = (chunk: string) => {
    const text = partial + chunk;
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    if (skipping && lines.length) {
      lines.shift();
      skipping = false;
    }
    if (skipping) partial = '';
    else if (partial.length > MAX_PARTIAL) {
      partial = '';
      skipping = true;
    }
    for (const l of lines) if (l) opts.onLine(l, dir);
  };

  // One small buffer per follower, reused: an idle follower holds nothing else.
  const buf = Buffer.allocUnsafe(16 * 1024);
  const drain = async (h: FileHandle) => {
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, buf.length, pos);
      if (!bytesRead) return;
      pos += bytesRead;
      emit(buf.toString('utf8', 0, bytesRead));
    }
  };

  const step = async () => {
    const st = await stat(path).catch(() => undefined);
    if (fh && (!st || st.ino !== ino)) {
      // Rotated (or removed): finish the old file, then start the new one from its beginning. svlogd rotates in the
      // middle of a long line and writes its rest to the new file: the partial line goes on there.
      await drain(fh);
      await fh.close();
      fh = undefined;
    }
    if (!fh && st) {
      fh = await open(path, 'r');
      const real = await fh.stat();
      ino = real.ino;
      pos = first && !opts.fromStart ? real.size : 0;
      // Following from the end of a file whose last line is still being written: its rest is not a line.
      if (pos > 0 && !(await endsWithNewline(fh, pos))) skipping = true;
    }
    first = false;
    if (!fh) return;
    const size = (await fh.stat()).size;
    if (size < pos) pos = 0; // truncated in place
    if (size > pos) await drain(fh);
  };

  // One read at a time; a trigger during a read schedules exactly one more.
  const reads = coalesce(step, { signal: opts.signal, onError: (e) => opts.onError?.(e as Error) });
  const poll = (): Promise<void> => reads.run();

  const startWatch = () => {
    if (watcher || opts.signal.aborted) return;
    try {
      watcher = watch(dir, { persistent: false }, () => void poll());
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      // the directory does not exist yet: the poll timer retries
    }
  };

  startWatch();
  const timer = setInterval(() => {
    startWatch();
    void poll();
  }, opts.pollMs ?? 2000);
  timer.unref();
  const close = () => {
    clearInterval(timer);
    watcher?.close();
    void reads.close().finally(() => fh?.close());
  };
  opts.signal.addEventListener('abort', close, { once: true });
  return { ready: poll(), poll, close };
}

// Several directories followed as one: ready when all are, polled and closed together.
export function followLogDirs(dirs: readonly string[], opts: FollowLogOptions): LogFollower {
  const followers = dirs.map((d) => followLogDir(d, opts));
  return {
    ready: Promise.all(followers.map((f) => f.ready)).then(() => undefined),
    poll: () => Promise.all(followers.map((f) => f.poll())).then(() => undefined),
    close: () => {
      for (const f of followers) f.close();
    },
  };
}
