import { join } from 'node:path';
import { type MtaPaths, postfixAtLeast } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';

// DH parameters made by `mta dhparam` (the seed's `run update_postfix_dhparam`), persisted under /srv/etc.
export const dhparamPath = (paths: MtaPaths): string => join(paths.srvEtc, 'ssl/dhparam.pem');

// Postfix 3.9 deprecated smtpd_tls_dh1024_param_file (postconf warns about it: "do not specify, leave at default"):
// 3.9+ negotiates its built-in FFDHE groups (tls_ffdhe_auto_groups) instead.
export const dhparamDeprecated = (daemons: RenderContext['daemons']): boolean => postfixAtLeast(daemons, '3.9');

// Keeps postfix pointed at generated DH parameters across re-seeding, once they exist, where postfix still uses them.
export function renderDhParams(ctx: RenderContext): PlanPart {
  const path = dhparamPath(ctx.paths);
  if (dhparamDeprecated(ctx.daemons)) return {};
  return ctx.readFile(path) ? { postconf: { smtpd_tls_dh1024_param_file: path } } : {};
}
