import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Daemon, eventually, startDaemon, type TestNetns, tsxArgs } from '../harness/index.ts';

const MAIN = fileURLToPath(new URL('../../../sidecars/guard/src/main.ts', import.meta.url));

// The real guard sidecar as its own process (sources via tsx), reading MTA_ROOT's logs, maps and ban files; inside
// `ns` its default bus (127.0.0.1:4222) is the namespace's own, as in the image.
export async function startGuard(env: Record<string, string>, args: string[] = [], ns?: TestNetns): Promise<Daemon> {
  const argv = tsxArgs(MAIN, ...args);
  const opts = { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SYSLOG_LEVEL: '7', ...env }, cwd: join(MAIN, '../../../..') };
  const d = ns ? ns.start(process.execPath, argv, opts) : startDaemon(process.execPath, argv, opts);
  if (!args.includes('--once'))
    await eventually(() => d.output().includes('"guard.ready"') || d.proc.exitCode !== null, 20_000, 'guard ready');
  return d;
}
