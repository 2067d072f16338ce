import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, fixOwnership, MtaError, type SystemUser, systemGidHolders } from '@mta/shared';

// The unprivileged user that reads the drop folders: its own group, in no group of the daemons (so not amavis, which
// can read the DKIM private keys). Created by the image (image/lib/image-setup) and by scripts/install-deps.
export const READER_USER = 'spamd-learn';

// The Bayes directory must exist and belong to amavis before sa-learn (as amavis) can create the DB in it.
// An existing directory is left as it is: the content-filter setup owns its permissions.
export async function ensureBayesDir(dbPath: string, user: SystemUser): Promise<void> {
  const dir = dirname(dbPath);
  const made = await mkdir(dir, { recursive: true, mode: 0o755 });
  if (made !== undefined) await fixOwnership(dir, { uid: user.uid, gid: user.gid }, { kind: 'dir' });
}

// The group spamd-learn reads kopano's files and removes learned ones through: KOPANO_SPAMD_GID when the operator
// names one, otherwise the reader's own. Never what kopano set on its folders, and never a group of this image other
// than the reader's own: the reader would gain what that group may read (amavis: the DKIM private keys).
export function learnGroup(gid: number | undefined, reader: SystemUser, holders = systemGidHolders): number {
  if (gid === undefined || gid === reader.gid) return reader.gid;
  const taken = holders(gid);
  if (taken.length > 0)
    throw new MtaError(
      ErrorCode.Config,
      `KOPANO_SPAMD_GID=${gid} is a group of this image (${taken.join(', ')}): spamd-learn would gain what it may read. ` +
        `Give kopano-spamd's files a group number that is free here, or leave KOPANO_SPAMD_GID empty (the image's own group ${reader.gid}).`,
    );
  return gid;
}
