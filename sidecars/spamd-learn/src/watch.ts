import { basename, join } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { KINDS, type LearnKind } from './kind.ts';
import { isTempName, kindOf } from './names.ts';

export interface WatchOptions {
  // A file counts as complete once its size stayed the same this long (kopano writes over a shared volume).
  stabilityMs: number;
  onFile: (path: string, kind: LearnKind, mtimeMs: number) => void;
  onGone: (path: string) => void;
  onError: (err: unknown) => void;
}

// Watches <lib>/spam and <lib>/ham with inotify (no polling while idle); files already there are reported too.
// Links are not followed: what a link in a drop folder names is never watched (reading refuses it anyway).
export function watchDropFolders(lib: string, opts: WatchOptions, kinds: readonly LearnKind[] = KINDS): FSWatcher {
  const w = watch(
    kinds.map((k) => join(lib, k)),
    {
      ignoreInitial: false,
      followSymlinks: false,
      depth: 0,
      alwaysStat: true,
      awaitWriteFinish: { stabilityThreshold: opts.stabilityMs, pollInterval: 100 },
      ignored: (path) => kindOf(path) !== undefined && isTempName(basename(path)),
    },
  );
  const found = (path: string, stats?: { mtimeMs: number }) => {
    const kind = kindOf(path);
    if (kind) opts.onFile(path, kind, stats?.mtimeMs ?? Date.now());
  };
  w.on('add', found);
  w.on('change', found);
  w.on('unlink', opts.onGone);
  w.on('error', opts.onError);
  return w;
}
