import { basename } from 'node:path';
import { coalesce, isKeyFileName, type Logger } from '@mta/shared';
import { watch } from 'chokidar';

export interface KeyWatcher {
  close: () => Promise<void>;
}

// Runs `onChange` after key files appear, change or vanish: debounced, never two runs at once, a change during a run reruns.
export async function watchKeyDir(dir: string, onChange: () => Promise<unknown>, log: Logger, debounceMs = 50): Promise<KeyWatcher> {
  const sync = coalesce(onChange, {
    debounce: true,
    onError: (e) => log.error({ event: 'dkim.sync.failed', err: e }, 'dkim key sync failed'),
  });
  const w = watch(dir, {
    ignoreInitial: true,
    depth: 0,
    // docker cp writes in chunks: wait until the size is stable instead of reading half a key.
    awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    ignored: (path, stats) => path !== dir && !!stats?.isFile() && !isKeyFileName(basename(path)),
  });
  w.on('all', (_event, path) => {
    if (isKeyFileName(basename(path))) sync.request(debounceMs);
  });
  w.on('error', (e) => log.warn({ event: 'dkim.watch.error', err: e }, 'watching the dkim dir failed'));
  await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return {
    close: async () => {
      await sync.close();
      await w.close();
    },
  };
}
