import { isVarName, type RawEnv } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';
import { replaceDeprecated } from './deprecated.ts';

// Parameters postfix computes itself or that would move the config out from under the seed.
const RESERVED = new Set(['config_directory', 'process_id', 'process_name', 'mail_version', 'mail_release_date', 'daemon_directory']);

// The seed's generic rule: any UPPERCASE variable whose lowercase name is a postfix parameter is applied as is.
// Our own variables (MAIL_*, SMTPD_USE_TLS, MESSAGE_SIZE_LIMIT, …) are excluded: their renderers handle them.
export function postfixPassthrough(env: RawEnv, postfixParams: ReadonlySet<string>): [name: string, value: string][] {
  return Object.entries(env).filter((e): e is [string, string] => {
    const [name, value] = e;
    if (value === undefined || !/^[A-Z][A-Z0-9_]*$/.test(name) || isVarName(name)) return false;
    const param = name.toLowerCase();
    return postfixParams.has(param) && !RESERVED.has(param);
  });
}

// `rendered`: the postconf values of the seed's own renderers, which decide what a deprecated parameter becomes.
export function renderPassthrough(ctx: RenderContext, rendered: Readonly<Record<string, string>> = {}): PlanPart {
  const given: Record<string, string> = {};
  const errors: PlanPart['errors'] = [];
  for (const [name, value] of postfixPassthrough(ctx.env, ctx.postfixParams)) {
    if (/[\r\n]/.test(value)) errors.push({ variable: name, message: 'contains a line break; expected a single-line postfix value' });
    else given[name.toLowerCase()] = value.trim();
  }
  const { postconf, warnings } = replaceDeprecated(given, rendered);
  return { postconf, errors, warnings };
}
