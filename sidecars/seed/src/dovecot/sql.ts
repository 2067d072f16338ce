import { type Config, type EnvIssue, parseHostPort } from '@mta/shared';
import { settingLines } from './quote.ts';

// dovecot-sql.conf.ext on the MYSQL_* connection; the connect string is split on spaces, so values may not have any.
export function renderSqlPassdb(c: Config): { content: string; errors: EnvIssue[] } {
  const hp = parseHostPort(c.MYSQL_HOST ?? '');
  const errors: EnvIssue[] = [];
  const parts: Record<string, string | undefined> = {
    host: hp?.host.replace(/^\[|\]$/g, ''),
    port: hp?.port === undefined ? undefined : String(hp.port),
    dbname: c.MYSQL_DATABASE,
    user: c.MYSQL_USER || undefined,
    password: c.MYSQL_PASSWORD || undefined,
  };
  for (const [k, v] of Object.entries(parts)) {
    const name = k === 'password' ? 'MYSQL_PASSWORD' : k === 'user' ? 'MYSQL_USER' : k === 'dbname' ? 'MYSQL_DATABASE' : 'MYSQL_HOST';
    if (v !== undefined && /[\s"']/.test(v))
      errors.push({ variable: name, message: 'must not contain spaces or quotes when MYSQL_QUERY_PASS is used' });
  }
  const connect = Object.entries(parts)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines = settingLines({ driver: 'mysql', connect, default_pass_scheme: 'CRYPT', password_query: c.MYSQL_QUERY_PASS });
  return { content: `${lines.join('\n')}\n`, errors };
}
