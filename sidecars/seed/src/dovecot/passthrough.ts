import type { DovecotSyntax, EnvIssue, RawEnv } from '@mta/shared';
import { dq } from './quote.ts';
import { RENAMED_24 } from './renamed-24.ts';
import { toDovecot24Vars } from './vars-24.ts';

const PREFIX = 'DOVECOT_';

const passed = (name: string, value: string | undefined): value is string =>
  name.startsWith(PREFIX) && value !== undefined && !name.endsWith('__FILE');

// The variables meant for dovecot (DOVECOT_X), known setting or not.
export const dovecotPassed = (env: RawEnv): [name: string, value: string][] =>
  Object.entries(env).filter((e): e is [string, string] => passed(e[0], e[1]));

// Whether any variable is meant for dovecot: only then does the seed need dovecot's setting names (a process start).
export const passesToDovecot = (env: RawEnv): boolean => Object.entries(env).some(([n, v]) => passed(n, v));

export interface PassThrough {
  lines: string[];
  errors: EnvIssue[];
  ignored: string[];
  // Variables named after a 2.3 setting that were carried over to 2.4's: "DOVECOT_SSL_CERT -> ssl_server_cert_file".
  translated: string[];
}

// DOVECOT_X=v becomes `x = v` when dovecot knows the setting x (`doveconf -d`), like the postfix pass-through. On
// Dovecot 2.4 a variable written for 2.3 is carried over: a renamed setting to its new name where the meaning is the
// same (else an error naming the 2.4 setting), 2.3 %variables to 2.4's.
export function dovecotPassThrough(env: RawEnv, known: ReadonlySet<string>, syntax: DovecotSyntax = '2.3'): PassThrough {
  const out: PassThrough = { lines: [], errors: [], ignored: [], translated: [] };
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!passed(name, value)) continue;
    const setting = name.slice(PREFIX.length).toLowerCase();
    if (/[\r\n]/.test(value)) {
      if (known.has(setting) || (syntax === '2.4' && RENAMED_24[setting]))
        out.errors.push({ variable: name, message: 'must be a single line' });
      else out.ignored.push(name);
      continue;
    }
    const renamed = syntax === '2.4' && !known.has(setting) ? RENAMED_24[setting] : undefined;
    if (renamed) {
      const c = renamed.carry(value);
      if (!c.ok) {
        out.errors.push({ variable: name, message: `Dovecot 2.4 has no ${setting}: it is ${renamed.to} there, and ${c.reason}` });
        continue;
      }
      for (const [k, v] of Object.entries(c.settings)) out.lines.push(`${k} = ${dq(v)}`);
      out.translated.push(`${name} -> ${Object.keys(c.settings).join(', ')}`);
      continue;
    }
    if (!known.has(setting)) {
      out.ignored.push(name);
      continue;
    }
    if (syntax === '2.4' && value.includes('%')) {
      const v = toDovecot24Vars(value);
      if (!v.ok) out.errors.push({ variable: name, message: `not usable with Dovecot 2.4: ${v.reason}` });
      else out.lines.push(`${setting} = ${dq(v.value)}`);
      continue;
    }
    out.lines.push(`${setting} = ${dq(value)}`);
  }
  return out;
}
