import { readFileSync } from 'node:fs';
import { Mapped } from './checks.ts';
import { secretValuesIn } from './redact.ts';
import { type Config, isVarName, VARS, type VarName } from './schema.ts';
import type { RawEnv, RuleContext, VarSpec } from './spec.ts';

// One problem with one variable; `toString` is the line users see.
export interface EnvIssue {
  variable: string;
  message: string;
}
export const formatIssue = (i: EnvIssue): string => `${i.variable}: ${i.message}`;

// Warnings: values taken at their nearest meaning, settings without effect; they never stop a start.
export type ParseResult =
  | { ok: true; config: Config; env: RawEnv; warnings: EnvIssue[] }
  | { ok: false; errors: EnvIssue[]; warnings: EnvIssue[] };

export interface ParseOptions extends RuleContext {
  // Reads X__FILE files (tests inject one).
  read?: (path: string) => string;
  // false: values only. A process started with its own share of the environment (shared/src/start/process-env.ts)
  // lacks the secrets of other processes, which rules look at; the seed checked them on the whole environment.
  rules?: boolean;
}

const FILE_SUFFIX = '__FILE';

// Resolves every X__FILE into X (docker secrets), trailing newline trimmed; conflicts and unreadable files are issues.
export function resolveFileVars(
  env: RawEnv,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): { env: Record<string, string | undefined>; errors: EnvIssue[] } {
  const out: Record<string, string | undefined> = { ...env };
  const errors: EnvIssue[] = [];
  for (const [key, path] of Object.entries(env)) {
    if (!key.endsWith(FILE_SUFFIX) || path === undefined) continue;
    const name = key.slice(0, -FILE_SUFFIX.length);
    delete out[key];
    if (env[name] !== undefined && env[name] !== '') {
      errors.push({ variable: key, message: `both ${name} and ${key} are set; give only one` });
      continue;
    }
    try {
      out[name] = read(path).replace(/\r?\n$/, '');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      errors.push({ variable: key, message: `cannot read ${JSON.stringify(path)} (${code}); expected a readable file` });
    }
  }
  return { env: out, errors };
}

// The text a variable is parsed from: its value, else its default (static or derived).
export function rawValue(name: VarName, env: RawEnv): string | undefined {
  const spec = VARS[name];
  const v = env[name];
  if (v !== undefined && (v !== '' || spec.emptyIsValue)) return v;
  return spec.default ?? spec.derive?.(env);
}

// Every rule of every spec, split by severity; each issue is reported on the variable that carries the rule.
function checkRules(config: Config, ctx: RuleContext): { errors: EnvIssue[]; warnings: EnvIssue[] } {
  const errors: EnvIssue[] = [];
  const warnings: EnvIssue[] = [];
  for (const [name, spec] of Object.entries(VARS) as [VarName, VarSpec][]) {
    for (const rule of spec.rules ?? []) {
      const message = rule.check(config, ctx);
      if (message !== undefined) (rule.severity === 'warning' ? warnings : errors).push({ variable: name, message });
    }
  }
  return { errors, warnings };
}

// Every variable's value on its own (defaults, derivations, X__FILE), before any rule: what the rules look at.
export function parseValues(
  input: RawEnv,
  opts: ParseOptions = {},
): { config: Config; env: RawEnv; errors: EnvIssue[]; warnings: EnvIssue[] } {
  const { env, errors } = resolveFileVars(input, opts.read);
  const warnings: EnvIssue[] = [];
  const config: Record<string, unknown> = {};
  for (const name of Object.keys(VARS) as VarName[]) {
    const raw = rawValue(name, env);
    if (raw === undefined) {
      config[name] = undefined;
      continue;
    }
    const r = VARS[name].schema.safeParse(raw);
    if (!r.success) errors.push(...r.error.issues.map((i) => ({ variable: name, message: i.message })));
    else if (r.data instanceof Mapped) {
      config[name] = r.data.value;
      warnings.push({ variable: name, message: r.data.warning });
    } else config[name] = r.data;
  }
  return { config: config as Config, env, errors, warnings };
}

// Parses the whole environment, collecting every problem before reporting any; the rules run once every value parsed.
export function parseEnv(input: RawEnv, opts: ParseOptions = {}): ParseResult {
  const { config, env, errors, warnings } = parseValues(input, opts);
  if (errors.length === 0 && opts.rules !== false) {
    const rules = checkRules(config, { variant: opts.variant });
    errors.push(...rules.errors);
    warnings.push(...rules.warnings);
  }
  const scrubbed = scrubIssues(warnings, env);
  if (errors.length) return { ok: false, errors: scrubIssues(errors, env), warnings: scrubbed };
  return { ok: true, config, env, warnings: scrubbed };
}

// Belt and braces: even a careless message can never carry a secret's value.
function scrubIssues(errors: EnvIssue[], env: RawEnv): EnvIssue[] {
  const secrets = secretValuesIn(env);
  return errors.map((e) => ({
    ...e,
    message: secrets.reduce((m, s) => m.split(s).join('[redacted]'), e.message),
  }));
}

export { isVarName };
