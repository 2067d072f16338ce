import { SECRET_VARS, VARS, type VarName } from './schema.ts';
import type { RawEnv, VarSpec } from './spec.ts';

const REDACTED = '[redacted]';

// The environment as it may be logged: secret variables (and their __FILE paths' contents) never appear.
export function redactedEnv(env: RawEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    out[k] = isSecretName(k) ? REDACTED : v;
  }
  return out;
}

// Secret names come from the specs alone (`secret: true`); X__FILE carries the same secret.
export function isSecretName(name: string): boolean {
  return SECRET_VARS.includes(name.replace(/__FILE$/, '') as VarName);
}

// The values to scrub from every log line and error of an environment whose X__FILE variables are already resolved:
// secret variables and the secret parts of other values (credentials in NATS_URL). `secretValues` (secrets.ts) takes
// the raw environment.
export function secretValuesIn(env: RawEnv): string[] {
  const out = new Set<string>();
  for (const [name, spec] of Object.entries(VARS) as [VarName, VarSpec][]) {
    const v = env[name];
    if (typeof v !== 'string' || v === '') continue;
    if (spec.secret) out.add(v);
    for (const part of spec.secretParts?.(v) ?? []) out.add(part);
  }
  return [...out].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}
