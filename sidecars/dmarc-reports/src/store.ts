import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs, readIfExists, writeAtomic } from '@mta/shared';
import { DAY_S, dayOf } from './aggregate.ts';
import type { Verdict } from './history.ts';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PLAIN = /^[A-Za-z0-9._!@-]{1,200}$/;
// Records stay this long after their day (a report that failed is tried again meanwhile), then go.
export const KEEP_DAYS = 7;

// The durable side (root's, under /srv/var/dmarc, nothing another uid writes): records/<day>/<batch>.json, one file
// per collected batch, written atomically before the history file it came from is removed, so a restart loses
// nothing and a batch written twice (killed in between) is the same file; sent/<day>/<domain> once its report went.
export class RecordStore {
  constructor(readonly dir: string) {}

  private records = (day: string) => join(this.dir, 'records', day);
  private sent = (day: string) => join(this.dir, 'sent', day);

  async add(batch: string, verdicts: readonly Verdict[]): Promise<void> {
    const byDay = new Map<string, Verdict[]>();
    for (const v of verdicts) byDay.set(dayOf(v.received), [...(byDay.get(dayOf(v.received)) ?? []), v]);
    for (const [day, list] of byDay) {
      await makeDirs(this.records(day));
      await writeAtomic(join(this.records(day), `${batch}.json`), JSON.stringify(list), { mode: 0o600 });
    }
  }

  async days(): Promise<string[]> {
    const names = await readdir(join(this.dir, 'records')).catch(() => [] as string[]);
    return names.filter((n) => DAY.test(n)).sort();
  }

  async verdicts(day: string): Promise<Verdict[]> {
    const names = await readdir(this.records(day)).catch(() => [] as string[]);
    const out: Verdict[] = [];
    for (const n of names.filter((n) => n.endsWith('.json') && PLAIN.test(n))) {
      const data = await readIfExists(join(this.records(day), n));
      if (data) out.push(...(JSON.parse(data.toString('utf8')) as Verdict[]));
    }
    return out;
  }

  async wasSent(day: string, domain: string): Promise<boolean> {
    return PLAIN.test(domain) && (await readIfExists(join(this.sent(day), domain))) !== undefined;
  }

  async markSent(day: string, domain: string, note: string): Promise<void> {
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
