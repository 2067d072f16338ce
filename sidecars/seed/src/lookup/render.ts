import type { PlanPart, RenderContext } from '../plan.ts';
import { renderLdapLookups } from './ldap.ts';
import { renderMysqlLookups } from './mysql.ts';
import { lookupGroupIssues } from './validate.ts';

// LDAP and MySQL may both be configured, next to MAIL_BOXES: postfix consults the tables in renderer order.
export function renderLookups(ctx: RenderContext): PlanPart {
  const errors = lookupGroupIssues(ctx.config);
  if (errors.length) return { errors };
  const parts = [renderLdapLookups(ctx), renderMysqlLookups(ctx)];
  const files = parts.flatMap((p) => p.files ?? []);
  if (!files.length) return {};
  const postconfLists: Record<string, string[]> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.postconfLists ?? {})) postconfLists[k] = [...(postconfLists[k] ?? []), ...v];
  return { files, postconfLists };
}
