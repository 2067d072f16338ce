import { unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { type DirHandle, type FileId, readNoFollow } from '@mta/shared';
import type { LearnKind } from './kind.ts';
import type { LearnSource } from './stage.ts';

// One file the learn queue holds: read when its batch is staged, removed once learned (or kept as a failure).
export interface QueueItem extends LearnSource {
  // Unique in the queue.
  readonly key: string;
  readonly kind: LearnKind;
  // The file name: pairs a message's spam and ham copies, names its failure record.
  readonly name: string;
  // Removes the original, only while it is still the file that was read (id).
  remove(id?: FileId): Promise<void>;
}

// An entry of a drop folder: read and removed through the folder's handle only (see DirHandle), so whatever kopano
// does to the folder's path, nothing outside the folder is read or removed.
export function dropItem(dir: DirHandle, kind: LearnKind, name: string): QueueItem {
  return {
    key: `${kind}/${name}`,
    kind,
    name,
    label: dir.label(name),
    read: async () => {
      const { data, st } = await dir.read(name);
      return { data, id: { dev: st.dev, ino: st.ino } };
    },
    remove: async (id) => {
      if (id) await dir.unlinkIfSame(name, id);
    },
  };
}

// A fleet message waiting in spamd-learn's own scratch directory.
export function fleetItem(path: string, kind: LearnKind): QueueItem {
  return {
    key: path,
    kind,
    name: basename(path),
    label: path,
    read: async () => ({ data: (await readNoFollow(path)).data }),
    remove: () =>
      unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      }),
  };
}
