import { join } from 'node:path';
import { type Logger, run, signalDaemon } from '@mta/shared';

export type PostfixReload = 'reloaded' | 'not running';

// The default hook, done natively: SIGHUP to the master of the postfix whose main.cf we manage (what
// `postfix reload` does, without its ~100 ms of helper scripts, and always the right instance under MTA_ROOT).
export async function reloadPostfix(confDir: string, log?: Logger): Promise<PostfixReload> {
  const queue = (await run('postconf', ['-c', confDir, '-h', 'queue_directory'], { log, timeoutMs: 15_000 })).stdout.trim();
  // A stale pid file may name some other process by now: only a root-owned postfix master is signalled.
  const outcome = await signalDaemon({ pidFiles: [join(queue, 'pid/master.pid')], comm: /^master$/, uid: 0 }, 'SIGHUP', log);
  return outcome === 'not running' ? 'not running' : 'reloaded';
}
