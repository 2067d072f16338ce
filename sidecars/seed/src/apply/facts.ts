import { existsSync } from 'node:fs';
import { run } from '@mta/shared';

// Names of `name = value` lines, as printed by `postconf -d` and `doveconf -d`.
export function paramNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^([a-z0-9_]+) =/.exec(line);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

// Every postfix parameter this installation knows; the UPPERCASE pass-through is matched against it.
export async function postfixParamNames(): Promise<Set<string>> {
  return paramNames((await run('postconf', ['-d'])).stdout);
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
