import { readdir } from 'node:fs/promises';
import { Arrivals } from './arrivals.ts';
import type { Families } from './families.ts';

const QUEUES = ['active', 'deferred', 'hold', 'incoming', 'maildrop'] as const;

// Queue files below a queue directory. Postfix hashes a queue into subdirectories named by one hex digit (deferred and
// defer by default, hash_queue_depth levels deep); a queue file's name is a queue ID, never one character. Names only:
// a Dirent and a path join per file were most of a lite-mode scrape of 100,000 deferred messages.
async function files(dir: string, out: string[] = []): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (name.length === 1) await files(`${dir}/${name}`, out);
    else out.push(`${dir}/${name}`);
  }
  return out;
}

// What earlier scrapes read of the deferred queue's files.
const arrivals = new Arrivals();

// Queue sizes and the oldest deferred message, from postfix's queue directory (read as root; no postqueue run).
export async function scanQueue(f: Families, queueDir: string, now: number): Promise<void> {
  let oldest = now;
  for (const q of QUEUES) {
    const list = await files(`${queueDir}/${q}`);
    f.queue.set({ queue: q }, list.length);
    if (q === 'deferred') oldest = Math.min(oldest, (await arrivals.oldest(list)) ?? now);
  }
  f.oldestDeferred.set({}, Math.max(0, Math.round((now - oldest) / 1000)));
}
