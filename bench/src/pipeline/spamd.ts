import { availableParallelism } from 'node:os';
import type { FilterChain } from '@mta/test/filter/chain';
import { startDaemon } from '@mta/test/harness/daemon';
import { freePort, waitForPort } from '@mta/test/harness/net';

// spamd with the very SpamAssassin config amavis loads (same site dir, Bayes, test DNS), one child per CPU: the
// scanners-alone baseline.
export async function startSpamd(
  c: FilterChain,
  children = availableParallelism(),
): Promise<{ port: number; pid?: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const spamd = startDaemon('spamd', [
    `--siteconfigpath=${c.layout.saConfDir}`,
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-A',
    '127.0.0.1',
    '-u',
    'amavis',
    `--helper-home-dir=${c.layout.amavisHome}`,
    '-x',
    '-s',
    'stderr',
    `--max-children=${children}`,
    `--min-children=${children}`,
    `--min-spare=${children}`,
    `--max-spare=${children}`,
    `--pidfile=${c.root}/spamd.pid`,
  ]);
  try {
    await waitForPort(port, '127.0.0.1', 60_000);
  } catch (e) {
    await spamd.stop();
    throw e;
  }
  return { port, pid: spamd.proc.pid, stop: () => spamd.stop() };
}
