import { join } from 'node:path';
import type { MtaPaths } from '@mta/shared';
import type { PlanPart, RenderContext } from '../plan.ts';

// DH parameters made by `mta dhparam` (the seed's `run update_postfix_dhparam`), persisted under /srv/etc.
export const dhparamPath = (paths: MtaPaths): string => join(paths.srvEtc, 'ssl/dhparam.pem');

// Keeps postfix pointed at generated DH parameters across re-seeding, once they exist.
export function renderDhParams(ctx: RenderContext): PlanPart {
  const path = dhparamPath(ctx.paths);
  return ctx.readFile(path) ? { postconf: { smtpd_tls_dh1024_param_file: path } } : {};
}
