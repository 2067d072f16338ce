import { join } from 'node:path';
import { type DaemonRef, type Logger, lookupUser, type MtaPaths, signalDaemon } from '@mta/shared';

// The running amavis: its runit service in the image; elsewhere the pid files, trusted only after /proc showed an
// amavisd process of the amavis user (the pid files live in amavis-writable dirs).
export async function amavisDaemon(paths: MtaPaths): Promise<DaemonRef> {
  const uid = await lookupUser('amavis').then(
    (u) => u.uid,
    () => undefined,
  );
  return {
    service: join(paths.serviceDir, 'amavis'),
    pidFiles:
      uid === undefined
        ? []
        : [
            join(paths.root, 'run/amavis/amavisd.pid'),
            join(paths.root, 'var/run/amavis/amavisd.pid'),
            join(paths.amavisHome, 'amavisd.pid'),
          ],
    // amavisd renames itself ($0 = "/usr/sbin/amavisd-new (master)"); comm keeps its first 15 bytes.
    comm: /^(?:\S*\/)?amavi/,
    uid: uid ?? -1,
  };
}

// amavis re-reads its config (and so the dkim_key lines) on SIGHUP, which is all `amavisd reload` does; postfix is untouched.
export async function reloadAmavis(amavis: DaemonRef, log: Logger): Promise<boolean> {
  const outcome = await signalDaemon(amavis, 'SIGHUP', log);
  if (outcome === 'not running') {
    log.debug({ event: 'amavis.reload.skipped' }, 'amavis not running; nothing to reload');
    return false;
  }
  log.info({ event: 'amavis.reload', via: outcome }, 'amavis reloaded for new dkim keys');
  return true;
}
