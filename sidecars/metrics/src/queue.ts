import { statSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
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

// A queue file's arrival time: its REC_TYPE_TIME ('T') record, "seconds microseconds", one of the first records
// (each record is a type byte, a 7-bit varint length, the data). The file's mtime is the next retry time instead.
export function arrivalTime(head: Buffer): number | undefined {
  let i = 0;
  while (i < head.length) {
    const type = head[i++];
    let len = 0;
    for (let shift = 0; i < head.length; shift += 7) {
      const b = head[i++] as number;
      len |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    const data = head.subarray(i, i + len).toString('latin1');
    i += len;
    if (type === 0x54) {
      const sec = Number(data.split(' ')[0]);
      return Number.isFinite(sec) && sec > 0 ? sec * 1000 : undefined;
    }
  }
  return undefined;
}

// Arrival times already read, by queue file path and inode (postfix reuses names only for new files).
const arrivals = new Map<string, { ino: number; at: number }>();

// The arrival time of a file whose inode is already known: the cache's answer, or undefined when it must be read.
function knownArrival(path: string): { ino: number; at?: number } | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return undefined;
  const known = arrivals.get(path);
  return { ino: st.ino, ...(known?.ino === st.ino ? { at: known.at } : {}) };
}

async function readArrival(path: string, ino: number): Promise<number | undefined> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return undefined;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const at = arrivalTime(buf.subarray(0, bytesRead)) ?? (await fh.stat()).mtimeMs;
    arrivals.set(path, { ino, at });
    return at;
  } finally {
    await fh.close();
  }
}

// A stat through the promise API costs ~50 µs (the thread pool's round trip), statSync a few: a scrape of 100,000
// deferred messages stats them synchronously, in slices between turns of the event loop so /metrics and the log
// followers keep answering. Only files not seen before are opened.
const SLICE = 2000;
async function arrivalsOf(paths: readonly string[], seen: Set<string>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < paths.length; i += SLICE) {
    if (i) await new Promise((r) => setImmediate(r));
    for (const p of paths.slice(i, i + SLICE)) {
      seen.add(p);
      const k = knownArrival(p);
      const at = k && (k.at ?? (await readArrival(p, k.ino)));
      if (at !== undefined) out.push(at);
    }
  }
  return out;
}

// Queue sizes and the oldest deferred message, from postfix's queue directory (read as root; no postqueue run).
export async function scanQueue(f: Families, queueDir: string, now: number): Promise<void> {
  const seen = new Set<string>();
  let oldest = now;
  for (const q of QUEUES) {
    const list = await files(join(queueDir, q));
    f.queue.set({ queue: q }, list.length);
    if (q !== 'deferred') continue;
    for (const at of await arrivalsOf(list, seen)) oldest = Math.min(oldest, at);
  }
  for (const p of arrivals.keys()) if (!seen.has(p)) arrivals.delete(p);
  f.oldestDeferred.set({}, Math.max(0, Math.round((now - oldest) / 1000)));
}
