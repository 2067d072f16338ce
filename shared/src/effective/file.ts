import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { MtaError } from '../errors.ts';
import { makeDirs } from '../fs/dir.ts';
import { readIfExists } from '../fs/open.ts';
import { writeAtomic } from '../fs/write.ts';
import { firstIssue } from '../schema-issue.ts';
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
    const first = await firstIssue(effectiveSchema, json);
    throw new MtaError(
      'E_CONFIG',
      `${path}: not an effective configuration of this version (${first.where || 'the file'}: ${first.message}); seed again with FORCE_CONFIG=OVERWRITE`,
    );
  }
  return r.data;
}

// Written by the seed only: atomically (readers see the old file or the new one), world-readable (it holds no secret;
// sidecars that dropped root read it too). A seeding that changes nothing leaves the file as it is (a forced re-seed
// touches no file), so `seededAt` says when the configuration in effect was first written. Returns whether it wrote.
// "Changes nothing" compares the parsed earlier file, without validating it (that cost a forced re-seed of 1,000
// mailboxes ~8 ms), and not as text: key order may differ (facts gathered in parallel).
export async function writeEffective(path: string, effective: Effective): Promise<boolean> {
  const earlier = parsedOrUndefined(await readIfExists(path).catch(() => undefined)) as { seededAt?: unknown } | undefined;
  // Through JSON, as the file holds it (no undefined members), under the earlier seededAt.
  const now = JSON.parse(JSON.stringify({ ...effective, seededAt: earlier?.seededAt }));
  if (earlier && isDeepStrictEqual(earlier, now)) return false;
  await makeDirs(dirname(path));
  await writeAtomic(path, `${JSON.stringify(effective, null, 2)}\n`, { mode: 0o644 });
  return true;
}

function parsedOrUndefined(data: Buffer | undefined): unknown {
  if (!data) return undefined;
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}
