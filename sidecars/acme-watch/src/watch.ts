import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '@mta/shared';
import { MtaError } from '@mta/shared';
import { type FSWatcher, watch } from 'chokidar';
import type { AcmeService } from './service.ts';

export interface WatchOptions {
  file: string;
  // Quiet time after the last event before a pass (Traefik may write in several chunks).
  debounceMs?: number;
  // Safety net for filesystems without inotify (some bind mounts): re-read this often anyway.
  rescanMs?: number;
  log: Logger;
}

export interface Watching {
  // Resolves once the current pass (if any) is over; used by tests and shutdown.
  idle(): Promise<void>;
  close(): Promise<void>;
}

// Watches the DIRECTORY of the file: it may not exist yet, be replaced by rename, or sit on a read-only mount.
// Passes never overlap; events during a pass cause exactly one more pass.
export function watchAcme(service: AcmeService, o: WatchOptions): Watching {
  const dir = dirname(o.file);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let watcher: FSWatcher | undefined;

  const runPass = async () => {
    do {
      again = false;
      try {
        await service.pass();
      } catch (e) {
        const err = MtaError.from(e);
        o.log.error({ event: 'acme.failed', code: err.code, err: err.message }, 'certificate update failed; will retry');
        schedule(5000);
      }
      if (service.retryInMs !== undefined) schedule(service.retryInMs);
    } while (again && !closed);
  };
  const fire = () => {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = runPass().finally(() => {
      running = undefined;
    });
  };
  const schedule = (ms = o.debounceMs ?? 25) => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, ms);
  };

  const startWatcher = () => {
    if (closed || watcher) return;
    if (!existsSync(dir)) return; // retried by dirPoll
    watcher = watch(dir, { depth: 0, ignoreInitial: true, persistent: true });
    // Any entry of the directory: acme.json itself, a temp file renamed over it, a ..data symlink swap.
    watcher.on('all', () => schedule());
    // With ignoreInitial, a file that appears during chokidar's initial scan emits nothing: look once it is ready.
    watcher.on('ready', () => schedule(0));
    watcher.on('error', (e) => o.log.warn({ event: 'acme.watch.error', err: (e as Error).message }, 'watch error'));
    o.log.info({ event: 'acme.watching', file: o.file }, 'watching acme file');
  };

  const rescan = setInterval(() => {
    startWatcher();
    schedule(0);
  }, o.rescanMs ?? 10_000);
  // The directory itself may appear later (a volume mounted after start).
  const dirPoll = setInterval(() => {
    if (watcher) return;
    startWatcher();
    if (watcher) schedule(0);
  }, 2000);
  startWatcher();
  schedule(0);

  return {
    idle: async () => {
      while (running || timer) await (running ?? new Promise((r) => setTimeout(r, 20)));
    },
    close: async () => {
      closed = true;
      clearInterval(rescan);
      clearInterval(dirPoll);
      if (timer) clearTimeout(timer);
      await running;
      await watcher?.close();
    },
  };
}
