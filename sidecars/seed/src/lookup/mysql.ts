import { join } from 'node:path';
import type { PlannedFile, PlanPart, RenderContext } from '../plan.ts';
import { cfFile } from './cf.ts';

const MYSQL_TABLES = { users: 'mysql-users.cf', aliases: 'mysql-aliases.cf' } as const;

// Postfix MySQL lookups on one connection, each switched on by its own query: mailboxes and aliases.
export function renderMysqlLookups(ctx: RenderContext): PlanPart {
  const { config } = ctx;
  if (!config.MYSQL_HOST || !config.MYSQL_DATABASE) return {};
  const conn = { hosts: config.MYSQL_HOST, dbname: config.MYSQL_DATABASE, user: config.MYSQL_USER, password: config.MYSQL_PASSWORD };
  const secret = !!config.MYSQL_PASSWORD;
  const path = (name: string) => join(ctx.paths.postfixConf, name);
  const files: PlannedFile[] = [];
  const postconfLists: Record<string, string[]> = {};
  if (config.MYSQL_QUERY_USER) {
    files.push(cfFile(path(MYSQL_TABLES.users), { ...conn, query: config.MYSQL_QUERY_USER }, secret));
    postconfLists.virtual_mailbox_maps = [`mysql:${path(MYSQL_TABLES.users)}`];
  }
  if (config.MYSQL_QUERY_ALIAS) {
    files.push(cfFile(path(MYSQL_TABLES.aliases), { ...conn, query: config.MYSQL_QUERY_ALIAS }, secret));
    postconfLists.virtual_alias_maps = [`mysql:${path(MYSQL_TABLES.aliases)}`];
  }
  return { files, postconfLists };
}
