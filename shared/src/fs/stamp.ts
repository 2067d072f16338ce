import { stat } from 'node:fs/promises';
import { fsError } from './errors.ts';
import { stampOf } from './write.ts';

// The stamp of a file (through links: acme.json may be a mounted ..data link), or undefined when it does not exist.
export async function fileStamp(path: string): Promise<string | undefined> {
  try {
    return stampOf(await stat(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError('inspect', path, e);
  }
}
