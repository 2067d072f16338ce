import type { PlanPart, RenderContext } from '../plan.ts';
import { renderLdapLookups } from './ldap.ts';
import { renderMysqlLookups } from './mysql.ts';

// LDAP and MySQL may both be configured, next to MAIL_BOXES: postfix consults the tables in renderer order. The env
// rules (shared/src/env) have already checked that every use switched on has its required variables.
export function renderLookups(ctx: RenderContext): PlanPart {
  const parts = [renderLdapLookups(ctx), renderMysqlLookups(ctx)];
  const files = parts.flatMap((p) => p.files ?? []);
  if (!files.length) return {};
  const postconfLists: Record<string, string[]> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.postconfLists ?? {})) postconfLists[k] = [...(postconfLists[k] ?? []), ...v];
  return { files, postconfLists };
}
