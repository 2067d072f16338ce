import { type ParseOptions, type ParseResult, parseEnv } from '../env/parse.ts';
import type { Config } from '../env/schema.ts';
import type { RawEnv } from '../env/spec.ts';
import { mtaPaths, rootOf } from '../paths.ts';
import { SEEDED_VARS } from './build.ts';
import { readEffective } from './file.ts';
import type { Effective } from './schema.ts';
import { matchesDigest, TABLE_VARS, type TableValues, type TableVar } from './tables.ts';

// The configuration a process works with: the seeded values from the effective configuration (what the daemons run
// on), the live variables and the secrets from this start's environment. The table variables (tables.ts) are put in
// only from `tables` (readEffectiveTables), or from a file that still holds them inline: the processes that do not
// read them keep this start's value, which their share of the environment leaves empty.
export function effectiveConfig(current: Config, effective: Effective | undefined, tables: TableValues = {}): Config {
  if (!effective) return current;
  const out: Record<string, unknown> = { ...current };
  for (const name of SEEDED_VARS) {
    if (!isTable(name) || !effective.tables?.[name]) out[name] = effective.config[name];
    else out[name] = tables[name] ?? current[name];
  }
  return out as Config;
}

const isTable = (name: string): name is TableVar => (TABLE_VARS as readonly string[]).includes(name);

// Values compare as JSON: the parser returns plain data (strings, numbers, booleans, arrays, plain objects).
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// The seeded variables whose value in this start's environment differs from the seeded one: not applied until the
// next seeding (FORCE_CONFIG). Secrets are not compared: their values are never written down.
export function notApplied(current: Config, effective: Effective): string[] {
  return SEEDED_VARS.filter((name) => {
    const digest = isTable(name) ? effective.tables?.[name] : undefined;
    if (digest) return !matchesDigest(current[name], digest);
    return !same(current[name], effective.config[name]);
  });
}

// A parse of this start's environment with the seeded values put in from the effective configuration at `path` (when
// the seed wrote one): what every process but the seed works with.
export async function withEffective(parsed: ParseResult, path: string): Promise<ParseResult> {
  if (!parsed.ok) return parsed;
  const effective = await readEffective(path);
  return effective ? { ...parsed, config: effectiveConfig(parsed.config, effective) } : parsed;
}

// The environment parsed, then the effective configuration under its root (MTA_ROOT) put in.
export const parseEffective = (env: RawEnv, opts?: ParseOptions): Promise<ParseResult> =>
  withEffective(parseEnv(env, opts), mtaPaths(rootOf(env)).effective);
