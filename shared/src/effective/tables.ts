import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { MtaError } from '../errors.ts';
import { makeDirs } from '../fs/dir.ts';
import { readIfExists } from '../fs/open.ts';
import { writeAtomic } from '../fs/write.ts';

// Seeded variables that grow with the site (a line per mailbox or alias): the effective configuration names them by
// digest, and their values live in a file of their own that only the seed reads. Every other process reads the small
// file at start and keeps it: with 100,000 mailboxes inline it was 19 MB of JSON, parsed and held by each sidecar.
export const TABLE_VARS = ['MAIL_BOXES', 'MAIL_ALIASES'] as const;
export type TableVar = (typeof TABLE_VARS)[number];

export interface TableDigest {
  entries: number;
  sha256: string;
}
export type TableValues = Partial<Record<TableVar, unknown[]>>;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

// The values as the tables file holds them (one JSON text, built from one stringify per variable) and the digest of
// each, which the effective configuration records.
export function tableFile(values: TableValues): { text: string; digests: Partial<Record<TableVar, TableDigest>> } {
  const parts: string[] = [];
  const digests: Partial<Record<TableVar, TableDigest>> = {};
  for (const name of TABLE_VARS) {
    const value = values[name];
    if (value === undefined) continue;
    const json = JSON.stringify(value);
    parts.push(`${JSON.stringify(name)}:${json}`);
    digests[name] = { entries: value.length, sha256: sha256(json) };
  }
  return { text: `{${parts.join(',')}}\n`, digests };
}

// Whether a value is the one a digest was made of (the same JSON text).
export const matchesDigest = (value: unknown, digest: TableDigest): boolean => sha256(JSON.stringify(value ?? [])) === digest.sha256;

// Root-only: what the seed needs again to render from the seeded values (a locked start that migrates dovecot's
// files). Written before the effective configuration that names its digests, and only when its text changed.
export async function writeEffectiveTables(path: string, text: string): Promise<boolean> {
  const earlier = await readIfExists(path).catch(() => undefined);
  // The text is encoded to compare only when the sizes match (MB at 100,000 mailboxes).
  if (earlier?.length === Buffer.byteLength(text) && earlier.equals(Buffer.from(text))) return false;
  await makeDirs(dirname(path));
  await writeAtomic(path, text, { mode: 0o600 });
  return true;
}

// The seeded table values; {} when the file does not exist (a /srv seeded before they moved out of the effective
// configuration holds them inline there). Anything else that is not an object of arrays is an error naming the file.
export async function readEffectiveTables(path: string): Promise<TableValues> {
  const data = await readIfExists(path);
  if (data === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch (e) {
    throw new MtaError('E_CONFIG', `${path}: not JSON (${(e as Error).message}); seed again with FORCE_CONFIG=OVERWRITE`);
  }
  const bad = (what: string) =>
    new MtaError('E_CONFIG', `${path}: ${what}, expected the seeded ${TABLE_VARS.join(' and ')}; seed again with FORCE_CONFIG=OVERWRITE`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('not an object');
  const out: TableValues = {};
  for (const [name, value] of Object.entries(json)) {
    if (!(TABLE_VARS as readonly string[]).includes(name)) throw bad(`unknown member ${name}`);
    if (!Array.isArray(value)) throw bad(`${name} is not a list`);
    out[name as TableVar] = value;
  }
  return out;
}
