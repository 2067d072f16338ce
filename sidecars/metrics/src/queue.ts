import { readdir } from 'node:fs/promises';
import { Arrivals, type Listing } from './arrivals.ts';
import type { Families } from './families.ts';

const QUEUES = ['active', 'deferred', 'hold', 'incoming', 'maildrop'] as const;

// Queue files below a queue directory, by directory. Postfix hashes a queue into subdirectories named by one hex digit
// (deferred and defer by default, hash_queue_depth levels deep); a queue file's name is a queue ID, never one
// character. Names only, grouped by directory: a Dirent and a path per file were most of a lite-mode scrape of 100,000
// deferred messages, and the paths ~20 MB of its peak.
async function files(dir: string, out: Listing[] = []): Promise<Listing[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const here: string[] = [];
  for (const name of names) {
    if (name.length === 1) await files(`${dir}/${name}`, out);
    else here.push(name);
  }
  if (here.length) out.push({ dir, names: here });
  return out;
}

// What earlier scrapes read of the deferred queue's files.
const arrivals = new Arrivals();

// Queue sizes and the oldest deferred message, from postfix's queue directory (read as root; no postqueue run).
export async function scanQueue(f: Families, queueDir: string, now: number): Promise<void> {
  let oldest = now;
  for (const q of QUEUES) {
    const list = await files(`${queueDir}/${q}`);
    f.queue.set(
      { queue: q },
      list.reduce((n, l) => n + l.names.length, 0),
    );
    if (q === 'deferred') oldest = Math.min(oldest, (await arrivals.oldest(list)) ?? now);
  }
  f.oldestDeferred.set({}, Math.max(0, Math.round((now - oldest) / 1000)));
}
