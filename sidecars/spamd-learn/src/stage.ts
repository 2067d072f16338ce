import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SystemUser } from '@mta/shared';
import { whyNotMessage } from './message.ts';

export interface Staged<T> {
  source: T;
  // Private copy readable by the amavis user.
  file: string;
}

export interface StageResult<T> {
  dir: string;
  staged: Staged<T>[];
  invalid: { source: T; reason: string }[];
  // Gone before we read them (kopano removed a file when the user changed their mind): nothing to learn.
  vanished: T[];
}

// Copies the sources into a fresh directory owned by amavis. kopano creates its files 0660 with a group id from
// another container, so amavis may not be able to read the originals; the copies also pin the content we learn.
export async function stage<T>(sources: readonly T[], pathOf: (s: T) => string, root: string, user: SystemUser): Promise<StageResult<T>> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  const dir = await mkdtemp(join(root, 'batch-'));
  const out: StageResult<T> = { dir, staged: [], invalid: [], vanished: [] };
  try {
    await chown(dir, user.uid, user.gid);
    let i = 0;
    for (const source of sources) {
      let data: Buffer;
      try {
        data = await readFile(pathOf(source));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') out.vanished.push(source);
        else out.invalid.push({ source, reason: `cannot read: ${code ?? (e as Error).message}` });
        continue;
      }
      const why = whyNotMessage(data);
      if (why) {
        out.invalid.push({ source, reason: why });
        continue;
      }
      const file = join(dir, `${i++}.eml`);
      await writeFile(file, data, { mode: 0o600 });
      await chown(file, user.uid, user.gid);
      out.staged.push({ source, file });
    }
    return out;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
