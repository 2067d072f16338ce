import { type Config, parseHostPort } from '@mta/shared';
import { settingLines } from './quote.ts';

// dovecot-sql.conf.ext on the MYSQL_* connection; the connect string is split on spaces, so the env rules refuse
// values with spaces or quotes whenever MYSQL_QUERY_PASS is set.
export function renderSqlPassdb(config: Config): string {
  const hp = parseHostPort(config.MYSQL_HOST ?? '');
  const parts: Record<string, string | undefined> = {
    host: hp?.host.replace(/^\[|\]$/g, ''),
    port: hp?.port === undefined ? undefined : String(hp.port),
    dbname: config.MYSQL_DATABASE,
    user: config.MYSQL_USER || undefined,
    password: config.MYSQL_PASSWORD || undefined,
  };
  const connect = Object.entries(parts)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines = settingLines({ driver: 'mysql', connect, default_pass_scheme: 'CRYPT', password_query: config.MYSQL_QUERY_PASS });
  return `${lines.join('\n')}\n`;
}
