import { SECRET_VARS, type VarName } from './schema.ts';
import type { RawEnv } from './spec.ts';

export const REDACTED = '[redacted]';

// The environment as it may be logged: secret variables (and their __FILE paths' contents) never appear.
export function redactedEnv(env: RawEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    out[k] = isSecretName(k) ? REDACTED : v;
  }
  return out;
}

const SECRET_PATTERN = /(PASS|PASSWORD|PW|SECRET|TOKEN|PRIVATEKEY|CREDS|HOSTAUTH|CLIENTAUTH)$/;

// Declared secrets plus anything named like one (postfix pass-through vars included).
export function isSecretName(name: string): boolean {
  return SECRET_VARS.includes(name as VarName) || SECRET_PATTERN.test(name);
}

// The values to scrub from every log line of this process.
export function secretValues(env: RawEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => isSecretName(k) && typeof v === 'string' && v.length >= 3)
    .map(([, v]) => v as string);
}
