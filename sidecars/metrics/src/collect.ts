import type { MtaPaths, Variant } from '@mta/shared';
import { fleetGauges, type Peers } from './bus-events.ts';
import { certGauges } from './cert.ts';
import { type DkimKey, dkimGauges, dkimKeys } from './dkim.ts';
import type { Families } from './families.ts';
import { scanQueue } from './queue.ts';
import { type Family, render } from './registry.ts';
import { serviceGauges } from './services.ts';

export interface CollectOptions {
  families: Families;
  paths: MtaPaths;
  variant: Variant;
  version: string;
  domains: readonly string[];
  peers: Peers;
  // The DKIM keys of the last scan, shared with the periodic DNS check.
  keys: { current: DkimKey[] };
}

// The state gauges, read at scrape time (queue, certificate, keys, services, fleet); counters move with events.
export async function readState(o: CollectOptions, now = Date.now()): Promise<void> {
  const f = o.families;
  await scanQueue(f, o.paths.postfixQueue, now);
  await certGauges(f, o.paths, now);
  if (o.variant === 'full') {
    o.keys.current = await dkimKeys(o.paths.dkim, o.domains);
    dkimGauges(f, o.keys.current, o.domains);
  }
  await serviceGauges(f, o.paths.serviceDir);
  fleetGauges(f, o.peers, now);
  f.buildInfo.replace([[{ version: o.version, variant: o.variant }, 1]]);
}

// The exposition of every family as it stands.
export const exposition = (o: CollectOptions, openMetrics: boolean): string => render(Object.values(o.families) as Family[], openMetrics);
