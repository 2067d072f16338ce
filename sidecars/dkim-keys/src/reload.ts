import { join } from 'node:path';
import { type Coalesced, coalesce, type DaemonRef, type Logger, lookupUser, type MtaPaths, signalDaemon } from '@mta/shared';

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

// amavis re-executes itself on SIGHUP, and a second SIGHUP before its handlers are back kills it (perl's default):
// two key changes in a row (a fleet rotation: retire, then adopt) would take the filter down. Reloads are therefore
// at least gapMs apart; those asked for meanwhile become one, sent when the gap is over.
export const AMAVIS_RELOAD_GAP_MS = 20_000;

export interface SpacedReload {
  // The first reload after a quiet gap runs now (and is awaited); later ones are scheduled.
  reload: () => Promise<void>;
  close: () => Promise<void>;
}

// hup resolves true when a signal went out (false: amavis was not running, so there is no re-exec to wait for).
export function spacedReload(hup: () => Promise<boolean>, gapMs = AMAVIS_RELOAD_GAP_MS): SpacedReload {
  let last = Number.NEGATIVE_INFINITY;
  let signalling = false;
  const job: Coalesced = coalesce(async () => {
    signalling = true;
    try {
      const at = Date.now();
      if (await hup()) last = at;
    } finally {
      signalling = false;
    }
  });
  return {
    reload: async () => {
      // A request while a signal is going out waits a whole gap: that signal may be the one amavis is re-executing for.
      const wait = signalling ? gapMs : last + gapMs - Date.now();
      if (wait <= 0) return job.run();
      job.request(wait);
    },
    close: () => job.close(),
  };
}
