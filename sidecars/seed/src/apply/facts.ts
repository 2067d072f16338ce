import { existsSync } from 'node:fs';
import { type DaemonVersions, readDaemonFact, run } from '@mta/shared';

// Names of `name = value` lines, as printed by `postconf -d` and `doveconf -d`.
export function paramNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9_]+) =/.exec(line);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

// A fact of the installation that can be asked for ahead: start() runs the question now, the next take() gets its
// answer (or asks again when nothing was started). Taken once: a later take() asks afresh.
export function askedAhead<T>(ask: () => Promise<T>): { start: () => void; take: () => Promise<T> } {
  let pending: Promise<T> | undefined;
  return {
    start: () => {
      pending ??= ask();
      // Told to whoever takes it; a failure before then is not an unhandled rejection.
      pending.catch(() => undefined);
    },
    take: () => {
      const p = pending ?? ask();
      pending = undefined;
      return p;
    },
  };
}

// Every postfix parameter this installation knows; the UPPERCASE pass-through is matched against it.
const postfixParams = askedAhead(async () => paramNames((await run('postconf', ['-d'])).stdout));
export const postfixParamNames = postfixParams.take;
// The installed daemons' versions (on `/`).
const daemonFact = askedAhead(() => readDaemonFact());
export const installedDaemons = (): Promise<DaemonVersions> => daemonFact.take();

// The seed's facts asked for before it parses the environment: their processes (postconf -d, the version probes)
// run while this one parses and validates 100,000 mailboxes and as many aliases (a second of the first start).
export function askFactsAhead(): void {
  postfixParams.start();
  daemonFact.start();
}

// Dovecot's settings when dovecot is installed (base/full), otherwise none.
export async function dovecotParamNames(): Promise<Set<string>> {
  if (!['/usr/bin/doveconf', '/usr/sbin/doveconf'].some((p) => existsSync(p))) return new Set();
  try {
    return paramNames((await run('doveconf', ['-d'])).stdout);
  } catch {
    return new Set();
  }
}
