import { createHash, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { type Config, makeDirs, type RawEnv, readIfExists, VARS, type VarName, writeAtomic } from '@mta/shared';
import { dovecotPassed } from '../dovecot/passthrough.ts';
import { postfixPassthrough } from '../postfix/passthrough.ts';

// What seeding applied that the effective configuration cannot hold: the values of seeded secrets (SMTP relay and
// LDAP/MySQL passwords end up in the daemons' files) and the pass-through variables (postfix parameters, DOVECOT_*,
// any name). Kept as salted digests, in a root-only file, so a locked start can name what changed without the file
// ever holding a value.
export interface SeededInputs {
  salt: string;
  digests: Record<string, string>;
}

// Secrets the daemons are configured with at seeding; live ones (the bus's) are read at every start anyway.
const SEEDED_SECRETS = (Object.keys(VARS) as VarName[]).filter((n) => VARS[n].secret && !VARS[n].live);

// Name -> value of every input this environment gives seeding beyond the effective file.
export function seededInputValues(config: Config, env: RawEnv, postfixParams: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of SEEDED_SECRETS) if (config[name] !== undefined) out.set(name, JSON.stringify(config[name]));
  for (const [name, value] of [...postfixPassthrough(env, postfixParams), ...dovecotPassed(env)]) out.set(name, value);
  return out;
}

const digest = (salt: string, name: string, value: string): string =>
  createHash('sha256').update(`${salt}\0${name}\0${value}`).digest('hex');

// The names whose value differs from the seeded one, were added or were removed.
export function changedInputs(seeded: SeededInputs, values: ReadonlyMap<string, string>): string[] {
  const names = new Set([...Object.keys(seeded.digests), ...values.keys()]);
  return [...names].filter((n) => {
    const v = values.get(n);
    return v === undefined || seeded.digests[n] !== digest(seeded.salt, n, v);
  });
}

export async function readSeededInputs(path: string): Promise<SeededInputs | undefined> {
  const data = await readIfExists(path);
  if (!data) return undefined;
  try {
    const j = JSON.parse(data.toString('utf8')) as SeededInputs;
    return typeof j.salt === 'string' && j.digests && typeof j.digests === 'object' ? j : undefined;
  } catch {
    return undefined; // unreadable: written again from this environment, as on a /srv without one
  }
}

// Written at seeding (and at the first locked start of a /srv without one). Unchanged inputs leave the file as it is,
// so a forced re-seed that changes nothing touches no file.
export async function writeSeededInputs(path: string, values: ReadonlyMap<string, string>): Promise<void> {
  const earlier = await readSeededInputs(path);
  if (earlier && !changedInputs(earlier, values).length) return;
  const salt = randomBytes(16).toString('hex');
  const digests = Object.fromEntries([...values].sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => [n, digest(salt, n, v)]));
  await makeDirs(dirname(path));
  await writeAtomic(path, `${JSON.stringify({ salt, digests }, null, 2)}\n`, { mode: 0o600 });
}
