import type { ParseResult } from '../env/parse.ts';
import { rawValue } from '../env/parse.ts';
import type { Config, VarName } from '../env/schema.ts';
import { VARS } from '../env/schema.ts';
import type { RawEnv } from '../env/spec.ts';

// What the start of the container decides on (services, entry steps, the local bus).
export type StartSettings = Pick<Config, 'ACME_FILE' | 'ACME_SOURCE' | 'KOPANO_SPAMD_LIB' | 'NATS_URL' | 'MTA_NODE' | 'GUARD' | 'METRICS'>;
const NAMES = [
  'ACME_FILE',
  'ACME_SOURCE',
  'KOPANO_SPAMD_LIB',
  'NATS_URL',
  'MTA_NODE',
  'GUARD',
  'METRICS',
] as const satisfies readonly VarName[];

// The start settings of a valid environment, or of an invalid one variable by variable (a value that does not parse
// counts as its default): the seed still reports an invalid environment over the bus before the container stops.
export function startSettings(env: RawEnv, parsed: ParseResult): StartSettings {
  if (parsed.ok) return parsed.config;
  const one = (name: VarName, raw: string | undefined) => (raw === undefined ? undefined : VARS[name].schema.safeParse(raw));
  const out: Record<string, unknown> = {};
  for (const name of NAMES) {
    const r = one(name, rawValue(name, env));
    const d = r?.success ? r : one(name, VARS[name].default);
    out[name] = d?.success ? d.data : undefined;
  }
  return out as StartSettings;
}
