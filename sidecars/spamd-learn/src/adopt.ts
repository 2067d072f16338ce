import { DirHandle, isUnsafe, type SystemUser } from '@mta/shared';

// Earlier versions ran spamd-learn as amavis: its failed/ and fleet outbox under srv/var/spamd-learn become the
// reader's. Only what amavis owns changes hands, each directory and file through the handle of the directory that
// holds it (amavis may have planted links there: they are skipped, as are hard links and other non-files).
export async function adoptFromAmavis(keep: string, amavisUid: number, reader: SystemUser): Promise<void> {
  const top = await DirHandle.open(keep);
  try {
    for (const sub of ['failed', 'outbox']) await adoptDir(top, sub, 1, amavisUid, reader);
  } finally {
    await top.close();
  }
}

async function adoptDir(parent: DirHandle, name: string, depth: number, from: number, to: SystemUser): Promise<void> {
  const dir = await parent.openDir(name).catch((e: NodeJS.ErrnoException) => {
    if (isUnsafe(e) || e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!dir) return;
  try {
    if (dir.st.uid === from) await dir.chown(to.uid, to.gid);
    for (const entry of await dir.list()) {
      const st = await dir.lstat(entry);
      if (st.isDirectory() && depth > 0) await adoptDir(dir, entry, depth - 1, from, to);
      if (!st.isFile() || st.nlink !== 1 || st.uid !== from) continue;
      const { fh, st: now } = await dir.openEntry(entry).catch(() => ({ fh: undefined, st: undefined }));
      try {
        if (now?.ino === st.ino) await fh?.chown(to.uid, to.gid);
      } finally {
        await fh?.close();
      }
    }
  } finally {
    await dir.close();
  }
}
