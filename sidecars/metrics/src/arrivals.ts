import { statSync } from 'node:fs';
import { readHeadSync } from '@mta/shared';

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

interface Arrival {
  ino: number;
  at: number;
  // The scan that last listed the file: entries a scan did not list are forgotten.
  scan: number;
}

// A directory's queue files, by name (as readdir gives them).
export interface Listing {
  dir: string;
  names: readonly string[];
}

// Files read per turn of the event loop, so /metrics and the log followers keep answering through a cold scan.
const SLICE = 500;

// Arrival times of the deferred queue's files, remembered by directory, name and inode. A scrape reads only the files
// it has not seen; of the others only the one holding the oldest arrival is stat'ed, to check that it is still the file
// that was read (postfix may give a new file a name freed earlier). Stating every file cost a scrape of 100,000
// deferred messages ~3 s; a stale entry that is not the oldest changes nothing, and is checked once it becomes the
// oldest. Kept by directory then name, never by a path string per file: at 100,000 files those paths (built again at
// every scrape, and one per entry kept) were ~20 MB of the sidecar's peak.
export class Arrivals {
  private readonly known = new Map<string, Map<string, Arrival>>();
  private scan = 0;

  // The oldest arrival among these files (the whole deferred queue, as listed now), or undefined when none is readable.
  // One lookup per listed file and one pass over what is known: the sidecars run in V8's lite mode, where every
  // operation per file counts at 100,000 files.
  async oldest(listing: readonly Listing[]): Promise<number | undefined> {
    const scan = ++this.scan;
    const unseen: Listing[] = [];
    for (const { dir, names } of listing) {
      const known = this.known.get(dir);
      const fresh = known ? names.filter((n) => !this.mark(known, n, scan)) : names;
      if (fresh.length) unseen.push({ dir, names: fresh });
    }
    for (const [dir, known] of this.known) {
      for (const [name, a] of known) if (a.scan !== scan) known.delete(name);
      if (!known.size) this.known.delete(dir);
    }
    const head = Buffer.alloc(512);
    let done = 0;
    for (const { dir, names } of unseen)
      for (let i = 0; i < names.length; i++, done++) {
        if (done && done % SLICE === 0) await new Promise((r) => setImmediate(r));
        this.read(dir, names[i] as string, head);
      }
    // Each round drops or re-reads one entry; a bound keeps a name replaced over and over from holding the scrape.
    for (let round = 0; round <= 16; round++) {
      const first = this.first();
      if (!first) return undefined;
      const { dir, name, a } = first;
      const st = statSync(`${dir}/${name}`, { throwIfNoEntry: false });
      if (st?.ino === a.ino) return a.at;
      this.known.get(dir)?.delete(name);
      if (st) this.read(dir, name, Buffer.alloc(512));
    }
    return this.first()?.a.at;
  }

  // Marks a known file as listed by this scan; false when it is not known.
  private mark(known: Map<string, Arrival>, name: string, scan: number): boolean {
    const a = known.get(name);
    if (a) a.scan = scan;
    return a !== undefined;
  }

  private first(): { dir: string; name: string; a: Arrival } | undefined {
    let min: { dir: string; name: string; a: Arrival } | undefined;
    for (const [dir, known] of this.known) for (const [name, a] of known) if (!min || a.at < min.a.at) min = { dir, name, a };
    return min;
  }

  // Synchronous: a promise round trip per file cost more than the open and read themselves. A link or a FIFO planted by
  // the postfix uid is not followed (readHeadSync), and a file gone since the listing counts for nothing.
  private read(dir: string, name: string, head: Buffer): void {
    const r = readHeadSync(`${dir}/${name}`, head);
    if (!r) return;
    const known = this.known.get(dir) ?? this.known.set(dir, new Map()).get(dir);
    known?.set(name, { ino: r.st.ino, at: arrivalTime(head.subarray(0, r.bytes)) ?? r.st.mtimeMs, scan: this.scan });
  }
}
