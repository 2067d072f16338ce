import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, run } from '@mta/shared';

export type PostfixReload = 'reloaded' | 'not running';

// The default hook, done natively: SIGHUP to the master of the postfix whose main.cf we manage (what
// `postfix reload` does, without its ~100 ms of helper scripts, and always the right instance under MTA_ROOT).
export async function reloadPostfix(confDir: string, log?: Logger): Promise<PostfixReload> {
  const queue = (await run('postconf', ['-c', confDir, '-h', 'queue_directory'], { log, timeoutMs: 15_000 })).stdout.trim();
  const pid = Number((await readFile(join(queue, 'pid/master.pid'), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return 'not running';
  // A stale pid file may name some other process by now: only signal a postfix master.
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  if (comm.trim() !== 'master') return 'not running';
  try {
    process.kill(pid, 'SIGHUP');
    return 'reloaded';
  } catch {
    return 'not running';
  }
}
