import { after } from 'node:test';
import { tempRoot } from './tmp.ts';

// What a test file starts and must stop: everything registered runs after its tests, newest first.
export interface FileScope {
  defer(fn: () => unknown): void;
  // A started daemon (or anything with stop()), stopped after the file's tests; returned as given.
  keep<T extends { stop(): unknown }>(daemon: T): T;
  // A temp root removed after the file's tests.
  dir(prefix?: string): Promise<string>;
}

export function fileScope(): FileScope {
  const fns: (() => unknown)[] = [];
  after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return {
    defer: (fn) => void fns.push(fn),
    keep: (daemon) => {
      fns.push(() => daemon.stop());
      return daemon;
    },
    dir: async (prefix) => {
      const t = await tempRoot(prefix);
      fns.push(t.cleanup);
      return t.dir;
    },
  };
}
