import { join } from 'node:path';
import type { PlannedFile, PlanPart, RenderContext } from '../plan.ts';
import { cfFile } from './cf.ts';

const MYSQL_TABLES = { users: 'mysql-users.cf', aliases: 'mysql-aliases.cf' } as const;

// Postfix MySQL lookups on one connection, each switched on by its own query: mailboxes and aliases.
export function renderMysqlLookups(ctx: RenderContext): PlanPart {
  const c = ctx.config;
  if (!c.MYSQL_HOST || !c.MYSQL_DATABASE) return {};
  const conn = { hosts: c.MYSQL_HOST, dbname: c.MYSQL_DATABASE, user: c.MYSQL_USER, password: c.MYSQL_PASSWORD };
  const secret = !!c.MYSQL_PASSWORD;
  const path = (name: string) => join(ctx.paths.postfixConf, name);
  const files: PlannedFile[] = [];
  const postconfLists: Record<string, string[]> = {};
  if (c.MYSQL_QUERY_USER) {
    files.push(cfFile(path(MYSQL_TABLES.users), { ...conn, query: c.MYSQL_QUERY_USER }, secret));
    postconfLists.virtual_mailbox_maps = [`mysql:${path(MYSQL_TABLES.users)}`];
  }
  if (c.MYSQL_QUERY_ALIAS) {
    files.push(cfFile(path(MYSQL_TABLES.aliases), { ...conn, query: c.MYSQL_QUERY_ALIAS }, secret));
    postconfLists.virtual_alias_maps = [`mysql:${path(MYSQL_TABLES.aliases)}`];
  }
  return { files, postconfLists };
}
