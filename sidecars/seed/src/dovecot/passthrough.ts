import type { EnvIssue, RawEnv } from '@mta/shared';
import { dq } from './quote.ts';

const PREFIX = 'DOVECOT_';

const passed = (name: string, value: string | undefined): value is string =>
  name.startsWith(PREFIX) && value !== undefined && !name.endsWith('__FILE');

// The variables meant for dovecot (DOVECOT_X), known setting or not.
export const dovecotPassed = (env: RawEnv): [name: string, value: string][] =>
  Object.entries(env).filter((e): e is [string, string] => passed(e[0], e[1]));

// Whether any variable is meant for dovecot: only then does the seed need dovecot's setting names (a process start).
export const passesToDovecot = (env: RawEnv): boolean => Object.entries(env).some(([n, v]) => passed(n, v));

// DOVECOT_X=v becomes `x = v` when dovecot knows the setting x (`doveconf -d`), like the postfix pass-through.
export function dovecotPassThrough(env: RawEnv, known: ReadonlySet<string>): { lines: string[]; errors: EnvIssue[]; ignored: string[] } {
  const lines: string[] = [];
  const errors: EnvIssue[] = [];
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!passed(name, value)) continue;
    const setting = name.slice(PREFIX.length).toLowerCase();
    if (!known.has(setting)) ignored.push(name);
    else if (/[\r\n]/.test(value)) errors.push({ variable: name, message: 'must be a single line' });
    else lines.push(`${setting} = ${dq(value)}`);
  }
  return { lines, errors, ignored };
}
