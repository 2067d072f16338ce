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

// Files read per turn of the event loop, so /metrics and the log followers keep answering through a cold scan.
const SLICE = 500;

// Arrival times of the deferred queue's files, remembered by path and inode. A scrape reads only the files it has not
// seen; of the others only the one holding the oldest arrival is stat'ed, to check that it is still the file that was
// read (postfix may give a new file a name freed earlier). Stating every file cost a scrape of 100,000 deferred
// messages ~3 s; a stale entry that is not the oldest changes nothing, and is checked once it becomes the oldest.
export class Arrivals {
  private readonly known = new Map<string, Arrival>();
  private scan = 0;

  // The oldest arrival among these files (the whole deferred queue, as listed now), or undefined when none is readable.
  // One lookup per listed file and one pass over what is known: the sidecars run in V8's lite mode, where every
  // operation per file counts at 100,000 files.
  async oldest(paths: readonly string[]): Promise<number | undefined> {
    const scan = ++this.scan;
    const unseen: string[] = [];
    for (const p of paths) {
      const a = this.known.get(p);
      if (a) a.scan = scan;
      else unseen.push(p);
    }
    for (const [p, a] of this.known) if (a.scan !== scan) this.known.delete(p);
    const head = Buffer.alloc(512);
    for (let i = 0; i < unseen.length; i += SLICE) {
      if (i) await new Promise((r) => setImmediate(r));
      for (const p of unseen.slice(i, i + SLICE)) this.read(p, head);
    }
    // Each round drops or re-reads one entry; a bound keeps a name replaced over and over from holding the scrape.
    for (let round = 0; round <= 16; round++) {
      const first = this.first();
      if (!first) return undefined;
      const [path, a] = first;
      const st = statSync(path, { throwIfNoEntry: false });
      if (st?.ino === a.ino) return a.at;
      this.known.delete(path);
      if (st) this.read(path, Buffer.alloc(512));
    }
    return this.first()?.[1].at;
  }

  private first(): [string, Arrival] | undefined {
    let min: [string, Arrival] | undefined;
    for (const e of this.known) if (!min || e[1].at < min[1].at) min = e;
    return min;
  }

  // Synchronous: a promise round trip per file cost more than the open and read themselves. A link or a FIFO planted by
  // the postfix uid is not followed (readHeadSync), and a file gone since the listing counts for nothing.
  private read(path: string, head: Buffer): void {
    const r = readHeadSync(path, head);
    if (r) this.known.set(path, { ino: r.st.ino, at: arrivalTime(head.subarray(0, r.bytes)) ?? r.st.mtimeMs, scan: this.scan });
  }
}
