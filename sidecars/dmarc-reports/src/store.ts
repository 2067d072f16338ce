import { DayStore, dayOf } from '@mta/shared';
import type { Verdict } from './history.ts';

// OpenDMARC's verdicts on /srv/var/dmarc (root's, nothing another uid writes), one file per collected batch and day
// (DayStore), written before the history file it came from is removed.
export class RecordStore extends DayStore {
  async add(batch: string, verdicts: readonly Verdict[]): Promise<void> {
    const byDay = new Map<string, Verdict[]>();
    for (const v of verdicts) byDay.set(dayOf(v.received), [...(byDay.get(dayOf(v.received)) ?? []), v]);
    for (const [day, list] of byDay) await this.put(day, batch, list);
  }

  async verdicts(day: string): Promise<Verdict[]> {
    return (await this.batches(day)).flat() as Verdict[];
  }
}
