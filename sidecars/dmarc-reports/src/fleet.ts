import { DayFleet, DMARC_BUCKET, type FleetBucket, type FleetIdentity, type Logger } from '@mta/shared';
import { type Verdict, verdictsFromJson } from './history.ts';

export { FALLBACK_S } from '@mta/shared';

// The fleet's side of the DMARC reports (KV bucket mta-dmarc, keys rec.<day>.<node> and sent.<day>.<domain>; see
// DayFleet). A replayed older entry of a node holds a subset of what it holds now, and a message is counted once
// however many entries name it: nothing can raise a count.
export class ReportFleet extends DayFleet {
  constructor(kv: FleetBucket, id: FleetIdentity, log: Logger, onRefused: (key: string, reason: string) => void) {
    super({ kv, id, bucket: DMARC_BUCKET, prefix: '', what: 'DMARC', events: 'dmarc', log, onRefused });
  }

  // Every trusted node's verdicts of a day (this node's own included), and the public keys of the nodes that have any.
  async verdicts(day: string): Promise<{ verdicts: Verdict[]; nodes: string[] }> {
    return verdictsOfEntries(this, day, await this.day(day));
  }
}

export function verdictsOfEntries(
  fleet: Pick<DayFleet, 'refused'> | undefined,
  day: string,
  entries: readonly { node: string; data: unknown }[],
): { verdicts: Verdict[]; nodes: string[] } {
  const verdicts: Verdict[] = [];
  for (const { node, data } of entries) {
    const { verdicts: good, dropped } = verdictsFromJson(data);
    if (dropped) fleet?.refused(day, node, `${dropped} malformed records`);
    verdicts.push(...good);
  }
  return { verdicts, nodes: entries.map((e) => e.node) };
}
