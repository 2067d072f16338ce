import type { LearnKind } from './kind.ts';

// A complete file waiting in a drop folder.
export interface Pending {
  // Unique in the queue (a drop-folder entry: <kind>/<name>; a fleet message: its scratch path).
  key: string;
  kind: LearnKind;
  // kopano names both copies of one message <searchkey>.eml, so the name links a spam file to its later ham file.
  name: string;
  mtimeMs: number;
  // Arrival order, to break mtime ties.
  seq: number;
}

const older = (a: Pending, b: Pending) => a.mtimeMs - b.mtimeMs || a.seq - b.seq;

// The next batch: the kind of the oldest file, then that kind's files oldest first up to max. A file whose name also
// waits, older, in the other folder is held back: the user's last decision must be learned last.
export function nextBatch<P extends Pending>(pending: Iterable<P>, max: number): { kind: LearnKind; items: P[] } | undefined {
  const all = [...pending].sort(older);
  const first = all[0];
  if (!first) return undefined;
  const oldestOther = new Map<string, P>();
  for (const p of all) if (p.kind !== first.kind && !oldestOther.has(p.name)) oldestOther.set(p.name, p);
  const items: P[] = [];
  for (const p of all) {
    if (items.length >= max) break;
    if (p.kind !== first.kind) continue;
    const rival = oldestOther.get(p.name);
    if (rival && older(rival, p) < 0) continue;
    items.push(p);
  }
  return { kind: first.kind, items };
}
