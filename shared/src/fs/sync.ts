import { open } from 'node:fs/promises';
import { fsOp } from './errors.ts';

// Flushes a file or directory to disk. After a rename the directory entry itself must reach the disk, or a crash can
// resurrect the old file.
export async function fsyncPath(path: string): Promise<void> {
  await fsOp('flush to disk', path, async () => {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}

// Named for what callers mean: the rename into dir is durable.
export const fsyncDir = fsyncPath;
