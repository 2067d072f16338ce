import { rename } from 'node:fs/promises';
import type { DirHandle, Logger, RefusedPaths } from '@mta/shared';
import { parseHistory } from './history.ts';
import type { RecordStore } from './store.ts';

export const HISTORY = 'history';
const TAKEN = /^taken\.(\d{13})$/;
// OpenDMARC opens the history file, locks it, appends one record and closes it, for each message: a writer that
// opened it just before it was moved aside is done well within this.
export const SETTLE_MS = 5_000;
// A file larger than this is not OpenDMARC's doing (a record is a few hundred bytes; the file is moved aside every
// minute): it is refused whole.
export const MAX_HISTORY_BYTES = 64 * 1024 * 1024;

// One collection pass over OpenDMARC's history directory, through its handle (the directory is opendmarc's: no name
// in it is followed, only single-linked regular files are read). The current file is moved aside as taken.<ms>;
// files taken at least SETTLE_MS ago are parsed strictly, stored, and only then removed.
export async function collect(dir: DirHandle, store: RecordStore, now: number, log: Logger, refused: RefusedPaths): Promise<number> {
  const names = await dir.list();
  if (names.includes(HISTORY)) {
    await dir
      .use((at) => rename(at(HISTORY), at(`taken.${now}`)))
      .catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
  }
  let stored = 0;
  for (const name of names) {
    const m = TAKEN.exec(name);
    if (!m || Number(m[1]) > now - SETTLE_MS) continue;
    const read = await dir.read(name).catch((e: unknown) => {
      if (refused.report(e)) return undefined;
      throw e;
    });
    if (!read) continue;
    if (read.data.length > MAX_HISTORY_BYTES)
      log.warn({ event: 'dmarc.history_refused', bytes: read.data.length }, "a DMARC history file too large to be OpenDMARC's was dropped");
    else {
      const { verdicts, dropped } = parseHistory(read.data.toString('latin1'));
      if (dropped) log.warn({ event: 'dmarc.history_dropped', records: dropped }, 'malformed DMARC history records were dropped');
      await store.add(name, verdicts);
      stored += verdicts.length;
    }
    await dir.unlinkIfSame(name, read.st);
  }
  return stored;
}
