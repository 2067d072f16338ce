import { join } from 'node:path';
import type { MtaPaths } from '../paths.ts';
import type { DaemonRef } from '../signal.ts';
import { lookupUser } from '../users.ts';

// The running amavis: its runit service in the image; elsewhere its pid file (paths.amavisPid), trusted only after
// /proc showed an amavisd process of the amavis user (the file lives in a directory amavis can write).
export async function amavisDaemon(paths: MtaPaths): Promise<DaemonRef> {
  const uid = await lookupUser('amavis').then(
    (u) => u.uid,
    () => undefined,
  );
  return {
    service: join(paths.serviceDir, 'amavis'),
    pidFiles: uid === undefined ? [] : [paths.amavisPid],
    // amavisd renames itself ($0 = "/usr/sbin/amavisd (master)"); comm keeps its first 15 bytes.
    comm: /^(?:\S*\/)?amavi/,
    uid: uid ?? -1,
  };
}
