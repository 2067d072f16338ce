import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

// Message bodies stay root-only; parents get 0755 (recursive mkdir would give every new parent the 0700, and the
// staging dir next to the inbox must stay traversable for sa-learn running as amavis).
export async function privateDir(dir: string): Promise<void> {
  await mkdir(dirname(dirname(dir)), { recursive: true, mode: 0o755 });
  await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export const absent = (e: NodeJS.ErrnoException): undefined => {
  if (e.code !== 'ENOENT') throw e;
  return undefined;
};
