import { readFileSync } from 'node:fs';
import { fleetChecks } from './fleet-checks.ts';
import { type Config, isVarName, SECRET_VARS, VARS, type VarName } from './schema.ts';
import type { RawEnv } from './spec.ts';
import { ENCRYPTING_LEVELS } from './vars/relay-tls.ts';

// One problem with one variable; `toString` is the line users see.
export interface EnvIssue {
  variable: string;
  message: string;
}
export const formatIssue = (i: EnvIssue): string => `${i.variable}: ${i.message}`;

export type ParseResult = { ok: true; config: Config; env: RawEnv } | { ok: false; errors: EnvIssue[] };

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

function rawValue(name: VarName, env: RawEnv): string | undefined {
  const spec = VARS[name];
  const v = env[name];
  if (v !== undefined && (v !== '' || spec.emptyIsValue)) return v;
  return spec.default ?? spec.derive?.(env);
}

// Checks that involve several variables; each names the variable the user should change.
function crossChecks(c: Config): EnvIssue[] {
  const out: EnvIssue[] = [];
  if (c.SMTP_TLS_WRAPPERMODE && !ENCRYPTING_LEVELS.includes(c.SMTP_TLS_SECURITY_LEVEL))
    out.push({ variable: 'SMTP_TLS_WRAPPERMODE', message: 'yes requires SMTP_TLS_SECURITY_LEVEL=encrypt or stronger' });
  if (!c.MAIL_DOMAIN?.length)
    out.push({
      variable: 'MAIL_DOMAIN',
      message: 'not set and the host name has no domain part; set MAIL_DOMAIN or --hostname mx.example.com',
    });
  const pairs: [VarName, VarName][] = [
    ['SMTPD_TLS_CERT_FILE', 'SMTPD_TLS_KEY_FILE'],
    ['SMTPD_TLS_DCERT_FILE', 'SMTPD_TLS_DKEY_FILE'],
    ['SMTPD_TLS_ECCERT_FILE', 'SMTPD_TLS_ECKEY_FILE'],
  ];
  for (const [a, b] of pairs) {
    if (c[a] && !c[b]) out.push({ variable: b, message: `required when ${a} is set` });
    if (c[b] && !c[a]) out.push({ variable: a, message: `required when ${b} is set` });
  }
  if (c.LDAP_HOST) {
    for (const v of ['LDAP_USER_BASE', 'LDAP_QUERY_FILTER_USER'] as const)
      if (!c[v]) out.push({ variable: v, message: 'required when LDAP_HOST is set' });
  }
  if (c.MYSQL_HOST) {
    for (const v of ['MYSQL_DATABASE', 'MYSQL_QUERY_USER'] as const)
      if (!c[v]) out.push({ variable: v, message: 'required when MYSQL_HOST is set' });
  }
  if (c.LDAP_QUERY_ATTRS_PASS && !c.LDAP_HOST)
    out.push({ variable: 'LDAP_QUERY_ATTRS_PASS', message: 'needs LDAP_HOST (and LDAP_USER_BASE, LDAP_QUERY_FILTER_USER)' });
  if (c.MYSQL_QUERY_PASS && !c.MYSQL_HOST) out.push({ variable: 'MYSQL_QUERY_PASS', message: 'needs MYSQL_HOST and MYSQL_DATABASE' });
  out.push(...fleetChecks(c));
  return out;
}

// Parses the whole environment, collecting every problem before reporting any.
export function parseEnv(input: RawEnv, read?: (path: string) => string): ParseResult {
  const { env, errors } = resolveFileVars(input, read);
  const config: Record<string, unknown> = {};
  for (const name of Object.keys(VARS) as VarName[]) {
    const raw = rawValue(name, env);
    if (raw === undefined) {
      config[name] = undefined;
      continue;
    }
    const r = VARS[name].schema.safeParse(raw);
    if (r.success) config[name] = r.data;
    else errors.push(...r.error.issues.map((i) => ({ variable: name, message: i.message })));
  }
  if (errors.length === 0) errors.push(...crossChecks(config as Config));
  if (errors.length) return { ok: false, errors: scrubIssues(errors, env) };
  return { ok: true, config: config as Config, env };
}

// Belt and braces: even a careless message can never carry a secret's value.
function scrubIssues(errors: EnvIssue[], env: RawEnv): EnvIssue[] {
  const secrets = SECRET_VARS.map((v) => env[v]).filter((s): s is string => !!s && s.length >= 3);
  return errors.map((e) => ({
    ...e,
    message: secrets.reduce((m, s) => m.split(s).join('[redacted]'), e.message),
  }));
}

export { isVarName };
