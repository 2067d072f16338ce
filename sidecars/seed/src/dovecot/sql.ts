import { type Config, parseHostPort } from '@mta/shared';
import { settingLines } from './quote.ts';

// The MYSQL_* connection of the SQL passdb, whatever the syntax.
export interface SqlPassdb {
  host?: string;
  port?: string;
  dbname?: string;
  user?: string;
  password?: string;
  // In 2.3 variable syntax ('%u'), as the operator writes it.
  query: string;
}

export function sqlPassdb(config: Config): SqlPassdb {
  const hp = parseHostPort(config.MYSQL_HOST ?? '');
  return {
    host: hp?.host.replace(/^\[|\]$/g, ''),
    port: hp?.port === undefined ? undefined : String(hp.port),
    dbname: config.MYSQL_DATABASE,
    user: config.MYSQL_USER || undefined,
    password: config.MYSQL_PASSWORD || undefined,
    query: config.MYSQL_QUERY_PASS ?? '',
  };
}

// dovecot-sql.conf.ext (2.3) on the MYSQL_* connection; the connect string is split on spaces, so the env rules refuse
// values with spaces or quotes whenever MYSQL_QUERY_PASS is set.
export function renderSqlPassdb(config: Config): string {
  const s = sqlPassdb(config);
  const parts: Record<string, string | undefined> = { host: s.host, port: s.port, dbname: s.dbname, user: s.user, password: s.password };
  const connect = Object.entries(parts)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines = settingLines({ driver: 'mysql', connect, default_pass_scheme: 'CRYPT', password_query: s.query });
  return `${lines.join('\n')}\n`;
}
