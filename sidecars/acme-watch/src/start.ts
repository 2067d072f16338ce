import type { Bus, Logger } from '@mta/shared';
import type { Servable, Targets } from './install.ts';
import { wantedNames } from './names.ts';
import { AcmeService, type PassOutcome } from './service.ts';
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
  seenFile?: string;
}

// The service from plain options; `reload: false` for the entry step, which runs before the daemons.
function acmeService(opts: AcmeWatchOptions, reload = true): AcmeService {
  const names = wantedNames(opts.hostname, opts.mailDomains);
  opts.log.info({ event: 'acme.start', file: opts.file, names, resolver: opts.resolver ?? null }, 'acme-watch starting');
  return new AcmeService({ ...opts, names, reload });
}

// One pass before the daemons start, so postfix and dovecot come up with the certificate (`acme-watch --once`).
// A file still being written gets a few more looks; any other outcome is final here, the service goes on.
export async function installOnce(opts: AcmeWatchOptions): Promise<PassOutcome> {
  const service = acmeService(opts, false);
  let outcome = await service.pass();
  for (let i = 0; i < 5 && service.retryInMs !== undefined; i++) {
    await new Promise((r) => setTimeout(r, service.retryInMs));
    outcome = await service.pass();
  }
  return outcome;
}

// Service + watcher from plain options, so tests can run the sidecar in-process against temp roots.
export function startAcmeWatch(o: AcmeWatchOptions): Watching & { service: AcmeService } {
  const service = acmeService(o);
  return { ...watchAcme(service, { file: o.file, debounceMs: o.debounceMs, rescanMs: o.rescanMs, log: o.log }), service };
}
