import type { PlanPart, RenderContext } from '../plan.ts';
import { postfixTables } from './tables.ts';

// REGEX_ALIAS as a regexp table after the hashed aliases (e.g. user+tag@dom -> user@dom).
export function renderRegexAlias(ctx: RenderContext): PlanPart {
  const lines = ctx.config.REGEX_ALIAS;
  const path = postfixTables(ctx.paths).regexAlias;
  if (!lines.length) return { remove: [path] };
  return {
    files: [{ path, content: `${lines.join('\n')}\n`, mode: 0o644 }],
    postconfLists: { virtual_alias_maps: [`regexp:${path}`] },
  };
}
