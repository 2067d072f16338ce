import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { coalesce, type Logger, MtaError } from '@mta/shared';
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
export function watchAcme(service: AcmeService, opts: WatchOptions): Watching {
  const dir = dirname(opts.file);
  let watcher: FSWatcher | undefined;
  const passes = coalesce(
    async () => {
      try {
        await service.pass();
      } catch (e) {
        const err = MtaError.from(e);
        opts.log.error({ event: 'acme.failed', code: err.code, err: err.message }, 'certificate update failed; will retry');
        schedule(5000);
      }
      if (service.retryInMs !== undefined) schedule(service.retryInMs);
    },
    { debounce: true },
  );
  const schedule = (ms = opts.debounceMs ?? 25) => passes.request(ms);

  const startWatcher = () => {
    if (passes.closed || watcher) return;
    if (!existsSync(dir)) return; // retried by dirPoll
    watcher = watch(dir, { depth: 0, ignoreInitial: true, persistent: true });
    // Any entry of the directory: acme.json itself, a temp file renamed over it, a ..data symlink swap.
    watcher.on('all', () => schedule());
    // With ignoreInitial, a file that appears during chokidar's initial scan emits nothing: look once it is ready.
    watcher.on('ready', () => schedule(0));
    watcher.on('error', (e) => opts.log.warn({ event: 'acme.watch.error', err: (e as Error).message }, 'watch error'));
    opts.log.info({ event: 'acme.watching', file: opts.file }, 'watching acme file');
  };

  const rescan = setInterval(() => {
    startWatcher();
    schedule(0);
  }, opts.rescanMs ?? 10_000);
  // The directory itself may appear later (a volume mounted after start).
  const dirPoll = setInterval(() => {
    if (watcher) return;
    startWatcher();
    if (watcher) schedule(0);
  }, 2000);
  startWatcher();
  schedule(0);

  return {
    idle: () => passes.idle(),
    close: async () => {
      clearInterval(rescan);
      clearInterval(dirPoll);
      await passes.close();
      await watcher?.close();
    },
  };
}
