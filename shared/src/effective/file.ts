import { dirname } from 'node:path';
import { MtaError } from '../errors.ts';
import { makeDirs } from '../fs/dir.ts';
import { readIfExists } from '../fs/open.ts';
import { writeAtomic } from '../fs/write.ts';
import { type Effective, effectiveSchema } from './schema.ts';

// The one reader: undefined when the file does not exist yet (a /srv the seed has not seen); anything else that is
// not this version's format is an error naming the file, never silently replaced by the environment.
export async function readEffective(path: string): Promise<Effective | undefined> {
  const data = await readIfExists(path);
  if (data === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (e) {
    throw new MtaError('E_CONFIG', `${path}: not JSON (${(e as Error).message}); seed again with FORCE_CONFIG=OVERWRITE`);
  }
  const r = effectiveSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : 'the file';
    throw new MtaError(
      'E_CONFIG',
      `${path}: not an effective configuration of this version (${where}: ${first?.message}); seed again with FORCE_CONFIG=OVERWRITE`,
    );
  }
  return r.data;
}

// Written by the seed only: atomically (readers see the old file or the new one), world-readable (it holds no secret;
// sidecars that dropped root read it too).
export async function writeEffective(path: string, effective: Effective): Promise<void> {
  await makeDirs(dirname(path));
  await writeAtomic(path, `${JSON.stringify(effective, null, 2)}\n`, { mode: 0o644 });
}
