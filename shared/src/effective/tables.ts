import { createHash, type Hash } from 'node:crypto';
import { dirname } from 'node:path';
import { EntryList } from '../env/entry-list.ts';
import { MtaError } from '../errors.ts';
import { makeDirs } from '../fs/dir.ts';
import { fileDigest, readIfExists } from '../fs/open.ts';
import { stageAtomic } from '../fs/write.ts';

// Seeded variables that grow with the site (a line per mailbox or alias): the effective configuration names them by
// digest, and their values live in a file of their own that only the seed reads. Every other process reads the small
// file at start and keeps it: with 100,000 mailboxes inline it was 19 MB of JSON, parsed and held by each sidecar.
export const TABLE_VARS = ['MAIL_BOXES', 'MAIL_ALIASES'] as const;
export type TableVar = (typeof TABLE_VARS)[number];

export interface TableDigest {
  entries: number;
  sha256: string;
}
// As parsed (an EntryList, entries parsed again per pass) or as read back from the tables file (an array).
export type TableList = readonly unknown[] | EntryList<unknown>;
export type TableValues = Partial<Record<TableVar, TableList>>;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

// A list's JSON text (that of JSON.stringify of it as an array) in pieces of about 16 KB, made an entry at a time:
// an EntryList is never turned into an array of objects (toJSON) nor its text into one string, which at 100,000
// entries were tens of MB at once.
function* listPieces(list: Iterable<unknown>): Generator<string> {
  let pending = '';
  let sep = '[';
  for (const entry of list) {
    pending += `${sep}${JSON.stringify(entry)}`;
    sep = ',';
    if (pending.length >= 16 * 1024) {
      yield pending;
      pending = '';
    }
  }
  yield `${pending}${sep === '[' ? '[]' : ']'}`;
}

const listDigest = (list: Iterable<unknown>): string => {
  const hash = createHash('sha256');
  for (const piece of listPieces(list)) hash.update(piece);
  return hash.digest('hex');
};

// The tables file's text (one JSON text, the same as one stringify per variable) as pieces made an entry at a time
// as they are taken, never held whole; once every piece is taken, done() has the digest of each variable (which the
// effective configuration records) and of the whole text.
export interface TablesText {
  pieces: Iterable<string>;
  done: () => { digests: Partial<Record<TableVar, TableDigest>>; sha256: string };
}

export function tablesText(values: TableValues): TablesText {
  const names = TABLE_VARS.filter((n) => values[n] !== undefined);
  const hashes = new Map(names.map((n) => [n, createHash('sha256')]));
  const whole = createHash('sha256');
  let result: ReturnType<TablesText['done']> | undefined;
  function* pieces(): Generator<string> {
    const out = (piece: string) => {
      whole.update(piece);
      return piece;
    };
    yield out('{');
    for (const [i, name] of names.entries()) {
      yield out(`${i ? ',' : ''}${JSON.stringify(name)}:`);
      for (const piece of listPieces(values[name] as TableList)) {
        hashes.get(name)?.update(piece);
        yield out(piece);
      }
    }
    yield out('}\n');
    const digests: Partial<Record<TableVar, TableDigest>> = {};
    for (const name of names)
      digests[name] = { entries: (values[name] as TableList).length, sha256: (hashes.get(name) as Hash).digest('hex') };
    result = { digests, sha256: whole.digest('hex') };
  }
  return {
    pieces: { [Symbol.iterator]: pieces },
    done: () => {
      if (!result) throw new Error('tablesText: done() before every piece was taken');
      return result;
    },
  };
}

// The digests alone (the text made and dropped a piece at a time).
export function tableDigests(values: TableValues): ReturnType<TablesText['done']> {
  const text = tablesText(values);
  for (const _ of text.pieces);
  return text.done();
}

// Whether a value is the one a digest was made of (the same JSON text).
export const matchesDigest = (value: unknown, digest: TableDigest): boolean =>
  (isList(value) ? listDigest(value) : sha256(JSON.stringify(value ?? []))) === digest.sha256;
const isList = (v: unknown): v is Iterable<unknown> => Array.isArray(v) || v instanceof EntryList;

// Root-only: what the seed needs again to render from the seeded values (a locked start that migrates dovecot's
// files). Written before the effective configuration that names its digests, and only when its text changed.
// One pass: the text goes to a temp file while its digest is made, and replaces the file only when that digest is not
// the file's (an unchanged re-run writes no fsync and keeps the file's mtime).
export async function writeEffectiveTables(
  path: string,
  values: TableValues,
): Promise<{ written: boolean; digests: Partial<Record<TableVar, TableDigest>> }> {
  const staged = await stageEffectiveTables(path, values);
  await staged.commit();
  return { written: staged.written, digests: staged.digests };
}

// writeEffectiveTables in two steps: the text made, hashed, written and fsynced to its temp file (the slow part, a
// pass over every entry) while the seed waits on postfix's check of its staged configuration; commit() puts it in
// place once the seeding is accepted, discard() drops it when it is not. written: whether commit() replaces the file.
export interface StagedEffectiveTables {
  written: boolean;
  digests: Partial<Record<TableVar, TableDigest>>;
  commit: () => Promise<void>;
  discard: () => Promise<void>;
}

export async function stageEffectiveTables(path: string, values: TableValues): Promise<StagedEffectiveTables> {
  const earlier = fileDigest(path).catch(() => undefined);
  await makeDirs(dirname(path));
  const text = tablesText(values);
  const staged = await stageAtomic(path, text.pieces, { mode: 0o600, keepIf: async () => (await earlier) !== text.done().sha256 });
  const none = async () => undefined;
  return { written: !!staged, digests: text.done().digests, commit: staged?.commit ?? none, discard: staged?.discard ?? none };
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
