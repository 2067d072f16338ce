import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Daemon, eventually, startDaemon } from '../harness/index.ts';

const MAIN = fileURLToPath(new URL('../../../sidecars/guard/src/main.ts', import.meta.url));

// The real guard sidecar as its own process (sources via tsx), reading MTA_ROOT's logs, maps and ban files.
export async function startGuard(env: Record<string, string>, args: string[] = []): Promise<Daemon> {
  const d = startDaemon(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SYSLOG_LEVEL: '7', ...env },
    cwd: join(MAIN, '../../../..'),
  });
  if (!args.includes('--once'))
    await eventually(() => d.output().includes('"guard.ready"') || d.proc.exitCode !== null, 20_000, 'guard ready');
  return d;
}
