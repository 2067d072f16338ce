import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs, readIfExists, writeAtomic } from '../fs/index.ts';
import { DAY_S, dayOf } from './days.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PLAIN = /^[A-Za-z0-9._!@-]{1,200}$/;
// Records stay this long after their day (a report that failed is tried again meanwhile), then go.
export const KEEP_DAYS = 7;

// The durable side of a daily report (a directory of the sidecar's own on /srv, nothing another uid writes):
// records/<day>/<batch>.json, one file per collected batch, written atomically before its source is let go, so a
// restart loses nothing and a batch written twice (killed in between) is the same file; sent/<day>/<domain> once
// that domain's report of the day went.
export class DayStore {
  constructor(readonly dir: string) {}

  private records = (day: string) => join(this.dir, 'records', day);
  private sent = (day: string) => join(this.dir, 'sent', day);

  async put(day: string, batch: string, data: unknown): Promise<void> {
    if (!DAY.test(day) || !PLAIN.test(batch)) throw new Error(`not a day and batch: ${day}/${batch}`);
    await makeDirs(this.records(day));
    await writeAtomic(join(this.records(day), `${batch}.json`), JSON.stringify(data), { mode: 0o600 });
  }

  async days(): Promise<string[]> {
    const names = await readdir(join(this.dir, 'records')).catch(() => [] as string[]);
    return names.filter((n) => DAY.test(n)).sort();
  }

  // Every batch of a day, as it was put.
  async batches(day: string): Promise<unknown[]> {
    const names = await readdir(this.records(day)).catch(() => [] as string[]);
    const out: unknown[] = [];
    for (const n of names.filter((n) => n.endsWith('.json') && PLAIN.test(n)).sort()) {
      const data = await readIfExists(join(this.records(day), n));
      if (data) out.push(JSON.parse(data.toString('utf8')));
    }
    return out;
  }

  async wasSent(day: string, domain: string): Promise<boolean> {
    return PLAIN.test(domain) && (await readIfExists(join(this.sent(day), domain))) !== undefined;
  }

  async markSent(day: string, domain: string, note: string): Promise<void> {
    if (!PLAIN.test(domain)) return;
    await makeDirs(this.sent(day));
    await writeAtomic(join(this.sent(day), domain), `${note}\n`, { mode: 0o600 });
  }

  // Days older than KEEP_DAYS before `now` (unix seconds) go with their marks.
  async prune(now: number): Promise<void> {
    const oldest = dayOf(now - KEEP_DAYS * DAY_S);
    for (const day of await this.days())
      if (day < oldest) {
        await rm(this.records(day), { recursive: true, force: true });
        await rm(this.sent(day), { recursive: true, force: true });
      }
  }
}
