import type { Bus, Logger } from '@mta/shared';
import type { Servable, Targets } from './install.ts';
import { wantedNames } from './names.ts';
import { AcmeService } from './service.ts';
import { type Watching, watchAcme } from './watch.ts';

export interface AcmeWatchOptions {
  file: string;
  hostname: string | undefined;
  mailDomains: readonly string[];
  resolver?: string;
  hook: string;
  hookTimeoutMs: number;
  targets: Targets;
  log: Logger;
  bus: Pick<Bus, 'publish'>;
  debounceMs?: number;
  settleMs?: number;
  rescanMs?: number;
  // Fleet mode: called with the served certificate after each install or re-check.
  onServed?: (c: Servable & { name: string }) => void;
}

// Service + watcher from plain options, so tests can run the sidecar in-process against temp roots.
export function startAcmeWatch(o: AcmeWatchOptions): Watching & { service: AcmeService } {
  const names = wantedNames(o.hostname, o.mailDomains);
  o.log.info({ event: 'acme.start', file: o.file, names, resolver: o.resolver ?? null }, 'acme-watch starting');
  const service = new AcmeService({ ...o, names });
  return { ...watchAcme(service, { file: o.file, debounceMs: o.debounceMs, rescanMs: o.rescanMs, log: o.log }), service };
}
