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
export async function readState(opts: CollectOptions, now = Date.now()): Promise<void> {
  const f = opts.families;
  await scanQueue(f, opts.paths.postfixQueue, now);
  await certGauges(f, opts.paths, now);
  if (opts.variant === 'full') {
    opts.keys.current = await dkimKeys(opts.paths.dkim, opts.domains);
    dkimGauges(f, opts.keys.current, opts.domains);
  }
  await serviceGauges(f, opts.paths.serviceDir);
  fleetGauges(f, opts.peers, now);
  f.buildInfo.replace([[{ version: opts.version, variant: opts.variant }, 1]]);
}

// The exposition of every family as it stands.
export const exposition = (o: CollectOptions, openMetrics: boolean): string => render(Object.values(o.families) as Family[], openMetrics);
