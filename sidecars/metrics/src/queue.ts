import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Arrivals } from './arrivals.ts';
import type { Families } from './families.ts';

const QUEUES = ['active', 'deferred', 'hold', 'incoming', 'maildrop'] as const;

// Files below a queue directory (deferred and defer are hashed one level deep; the others may be too).
async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory()) out.push(...(await files(join(dir, e.name))));
    else if (e.isFile()) out.push(join(dir, e.name));
  }
  return out;
}

// What earlier scrapes read of the deferred queue's files.
const arrivals = new Arrivals();

// Queue sizes and the oldest deferred message, from postfix's queue directory (read as root; no postqueue run).
export async function scanQueue(f: Families, queueDir: string, now: number): Promise<void> {
  let oldest = now;
  for (const q of QUEUES) {
    const list = await files(join(queueDir, q));
    f.queue.set({ queue: q }, list.length);
    if (q === 'deferred') oldest = Math.min(oldest, (await arrivals.oldest(list)) ?? now);
  }
  f.oldestDeferred.set({}, Math.max(0, Math.round((now - oldest) / 1000)));
}
