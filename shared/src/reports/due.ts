import { DAY_S, dayStart } from './days.ts';
import { type DayFleet, FALLBACK_S } from './fleet.ts';
import type { DayStore } from './store.ts';

// A day is reported this long after it ended (UTC): the last minute's records are collected by then.
export const GRACE_S = 600;
// A report that could not be sent (DNS, postfix or HTTPS failure) is tried again after this.
export const RETRY_S = 900;

export interface DueHooks<T> {
  store: DayStore;
  // Fleet mode: the day's records of every node, which node sends, and the claim that stops the others.
  fleet?: Pick<DayFleet, 'day' | 'rank' | 'claim'>;
  node?: string;
  // This node's batches of a day and (fleet mode) the trusted nodes' entries -> the day's records, checked.
  merge: (day: string, local: unknown[], shared: { node: string; data: unknown }[] | undefined) => T;
  domains: (records: T, day: string) => string[];
  // Sends one domain's report of the day to its destinations; resolves with the note for the sent mark, throws to be
  // tried again after RETRY_S.
  send: (domain: string, day: string, records: T) => Promise<string>;
  failed: (domain: string, day: string, err: Error) => void;
}

// Every (day, domain) whose day is over and whose report has not gone: built and sent, then marked sent, so a
// restart or the next pass never sends it twice. A failure leaves it unmarked for a later pass.
export async function sendDue<T>(h: DueHooks<T>, now: number, retryAt: Map<string, number>): Promise<{ sent: number; failed: number }> {
  const out = { sent: 0, failed: 0 };
  for (const day of await h.store.days()) {
    if (dayStart(day) + DAY_S + GRACE_S > now) continue;
    const local = await h.store.batches(day);
    const shared = h.fleet ? await h.fleet.day(day) : undefined;
    const records = h.merge(day, local, shared);
    for (const domain of h.domains(records, day)) {
      const key = `${day}/${domain}`;
      if ((retryAt.get(key) ?? 0) > now || (await h.store.wasSent(day, domain))) continue;
      if (h.fleet && shared) {
        const rank = h.fleet.rank(
          domain,
          shared.map((e) => e.node),
        );
        if (rank < 0 || dayStart(day) + DAY_S + GRACE_S + rank * FALLBACK_S > now) continue;
      }
      try {
        if (h.fleet && !(await h.fleet.claim(day, domain, h.node ?? ''))) {
          await h.store.markSent(day, domain, 'sent by another node');
          continue;
        }
        await h.store.markSent(day, domain, await h.send(domain, day, records));
        retryAt.delete(key);
        out.sent++;
      } catch (e) {
        out.failed++;
        retryAt.set(key, now + RETRY_S);
        h.failed(domain, day, e as Error);
      }
    }
  }
  return out;
}
