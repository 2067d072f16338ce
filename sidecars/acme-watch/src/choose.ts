import { type Inspected, inspect } from './inspect.ts';
import { nameMatches } from './names.ts';
import type { AcmeEntry } from './traefik.ts';

export interface ChooseOptions {
  // In preference order (see wantedNames).
  names: readonly string[];
  resolver?: string;
  now: Date;
}

export interface Rejected {
  main: string;
  resolver: string | undefined;
  serial?: string;
  notAfter?: string;
  reason: string;
}

export interface Choice {
  chosen?: Inspected & { name: string };
  // Records that matched a wanted name but cannot be served (expired, wrong key…), for logs and events.
  rejected: Rejected[];
}

// Names a record claims: Traefik's domain main/sans plus the names inside the certificate (sans may be missing).
function claimedNames(c: Inspected): string[] {
  return [c.entry.main, ...c.entry.sans, ...(c.info?.sans ?? [])].filter(Boolean);
}

const rejection = (c: Inspected, reason: string): Rejected => ({
  main: c.entry.main,
  resolver: c.entry.resolver,
  serial: c.info?.serial,
  notAfter: c.info?.notAfter,
  reason,
});

// First wanted name with a servable record wins; among those the newest notAfter. Pure: `now` is passed in.
export function chooseCertificate(entries: readonly AcmeEntry[], opts: ChooseOptions): Choice {
  const pool = entries.filter((e) => opts.resolver === undefined || e.resolver === opts.resolver).map((e) => inspect(e, opts.now));
  const rejected: Rejected[] = [];
  const seen = new Set<Inspected>();
  for (const name of opts.names) {
    const matching = pool.filter((c) => claimedNames(c).some((p) => nameMatches(p, name)));
    const good: Inspected[] = [];
    for (const c of matching) {
      const problem = c.problem ?? (c.leaf?.checkHost(name) ? undefined : `certificate does not cover ${name}`);
      if (!problem) good.push(c);
      else if (!seen.has(c)) rejected.push(rejection(c, problem));
      seen.add(c);
    }
    good.sort((a, b) => Date.parse(b.info?.notAfter ?? '') - Date.parse(a.info?.notAfter ?? ''));
    const best = good[0];
    if (best) return { chosen: { ...best, name }, rejected };
  }
  return { rejected };
}
