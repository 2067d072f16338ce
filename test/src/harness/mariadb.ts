import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, startDaemon, whenReady } from './daemon.ts';
import { eventually, freePort, waitForPort, waitForPortIn } from './net.ts';
import type { ListenIn } from './slapd.ts';

const MYSQL_FIXTURE = new URL('../fixtures/mysql/postfix.sql', import.meta.url).pathname;
// The lookup account the fixture creates (the password has a '#' on purpose).
export const MYSQL_READER = { user: 'mailer', password: 'my#sql-pw', database: 'postfix' };
// The seed README's lookup variables for the fixture's database, through the reader account.
export const mysqlLookupEnv = (port: number) => ({
  MYSQL_HOST: `127.0.0.1:${port}`,
  MYSQL_DATABASE: MYSQL_READER.database,
  MYSQL_USER: MYSQL_READER.user,
  MYSQL_PASSWORD: MYSQL_READER.password,
  MYSQL_QUERY_USER: "select recipient from mailboxes where mail='%s' limit 1;",
  MYSQL_QUERY_ALIAS: "select target from aliases where alias='%s';",
});

export interface Mariadb extends Daemon {
  port: number;
  socket: string;
  // Runs SQL as the server's root user over the unix socket.
  sql: (statements: string) => string;
}

// A real mariadbd with a fresh datadir under dir, on a loopback port and a socket in dir; loaded with the fixture.
// With `listen`, on 3306 inside a lab peer instead (the socket stays on the host's filesystem for sql()).
export async function startMariadb(dir: string, opts: { fixture?: string; listen?: ListenIn } = {}): Promise<Mariadb> {
  const data = join(dir, 'mysql-data');
  mkdirSync(data, { recursive: true });
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=socket', '--skip-test-db'],
    { stdio: 'pipe' },
  );
  const port = opts.listen ? 3306 : await freePort();
  const socket = join(dir, 'mysql.sock');
  const d = startDaemon(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      `--bind-address=${opts.listen?.host ?? '127.0.0.1'}`,
      '--user=root',
      `--pid-file=${join(dir, 'mysql.pid')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--skip-log-bin',
    ],
    { netns: opts.listen?.netns },
  );
  const sql = (statements: string) =>
    execFileSync('mariadb', ['--no-defaults', '-S', socket, '-u', 'root', '--batch', '--skip-column-names'], {
      input: statements,
    }).toString();
  await whenReady(d, 'mariadbd', async () => {
    if (opts.listen) await waitForPortIn(opts.listen.netns, port, opts.listen.host, 30_000);
    else await waitForPort(port, '127.0.0.1', 30_000);
    await eventually(() => sql('SELECT 1').trim() === '1', 10_000, 'mariadb answers');
  });
  sql(readFileSync(opts.fixture ?? MYSQL_FIXTURE, 'utf8'));
  return { ...d, port, socket, sql };
}
