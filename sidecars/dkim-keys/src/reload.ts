import { readFile } from 'node:fs/promises';
import type { Logger } from '@mta/shared';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

// amavis re-reads its config (and so the dkim_key lines) on SIGHUP, which is all `amavisd reload` does; postfix is untouched.
export async function reloadAmavis(pidFiles: readonly string[], log: Logger): Promise<boolean> {
  for (const file of pidFiles) {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) continue;
    process.kill(pid, 'SIGHUP');
    log.info({ event: 'amavis.reload', pid }, 'amavis reloaded for new dkim keys');
    return true;
  }
  log.debug({ event: 'amavis.reload.skipped', pidFiles }, 'amavis not running; nothing to reload');
  return false;
}
