import { join } from 'node:path';
import type { PlanPart, RenderContext } from '../plan.ts';
import { cfFile } from './cf.ts';

export const MYSQL_TABLES = { users: 'mysql-users.cf', aliases: 'mysql-aliases.cf' } as const;

// Postfix MySQL lookups: a mailbox query and an optional alias query on the same connection.
export function renderMysqlLookups(ctx: RenderContext): PlanPart {
  const c = ctx.config;
  if (!c.MYSQL_HOST || !c.MYSQL_DATABASE || !c.MYSQL_QUERY_USER) return {};
  const conn = { hosts: c.MYSQL_HOST, dbname: c.MYSQL_DATABASE, user: c.MYSQL_USER, password: c.MYSQL_PASSWORD };
  const secret = !!c.MYSQL_PASSWORD;
  const path = (name: string) => join(ctx.paths.postfixConf, name);
  const files = [cfFile(path(MYSQL_TABLES.users), { ...conn, query: c.MYSQL_QUERY_USER }, secret)];
  const postconfLists: Record<string, string[]> = { virtual_mailbox_maps: [`mysql:${path(MYSQL_TABLES.users)}`] };
  if (c.MYSQL_QUERY_ALIAS) {
    files.push(cfFile(path(MYSQL_TABLES.aliases), { ...conn, query: c.MYSQL_QUERY_ALIAS }, secret));
    postconfLists.virtual_alias_maps = [`mysql:${path(MYSQL_TABLES.aliases)}`];
  }
  return { files, postconfLists };
}
