import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { run } from './exec.ts';
import { fsOp } from './fs/errors.ts';
import { sameContent } from './fs/open.ts';
import { fixOwnership } from './fs/owner.ts';
import { fsyncDir, fsyncPath } from './fs/sync.ts';

// Postfix's indexed table type on Debian: `postmap hash:<file>` builds <file>.db.
export const TABLE_TYPE = 'hash';

const SUFFIX: Record<string, string> = { hash: '.db', btree: '.db', lmdb: '.lmdb', cdb: '.cdb', dbm: '.db', sdbm: '.dir' };

// The indexed file postmap builds for a source file.
export const tableIndex = (path: string, type: string = TABLE_TYPE): string => `${path}${SUFFIX[type] ?? '.db'}`;

export interface TableWrite {
  path: string;
  content: Buffer | string;
  type: string;
  // Of the source; postmap gives the index the same (a -F index holds the files' contents: keep it private).
  mode: number;
  uid?: number;
  gid?: number;
  // Config dir postmap reads main.cf from (the seed's staged one: the live main.cf may not exist yet).
  configDir: string;
  // `postmap -F`: each value names files whose contents are stored in the index (tls_server_sni_maps).
  rhsIsFile?: boolean;
  // false: the caller fsyncs the directory once for a batch (syncDirs).
  syncDir?: boolean;
}

const mtimeOf = (p: string) =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => undefined,
  );

// A table whose new source and index are built under temp names but not yet in place.
export interface BuiltTable {
  // Renames both into place (or, when nothing changed, only fixes owner and mode); whether the table changed.
  install: () => Promise<boolean>;
  // Removes the temps (the config the table belonged to was refused).
  discard: () => Promise<void>;
}

// Postfix lookup table, first half: the source and its index built under temp names next to the table (postmap), the
// live table untouched, so a caller can index while something else decides whether to install. An unchanged source
// with an up-to-date index builds nothing. The temp name `.<name>.seed-tmp` is what the seed's stale-temp cleanup
// matches.
export async function buildTable(t: TableWrite): Promise<BuiltTable> {
  const content = Buffer.isBuffer(t.content) ? t.content : Buffer.from(t.content);
  const db = tableIndex(t.path, t.type);
  const own = { mode: t.mode, uid: t.uid, gid: t.gid };
  const [same, srcM, dbM] = await Promise.all([sameContent(t.path, content).catch(() => false), mtimeOf(t.path), mtimeOf(db)]);
  if (same && srcM !== undefined && dbM !== undefined && dbM >= srcM)
    return {
      install: async () => {
        for (const p of [t.path, db]) await fixOwnership(p, own);
        return false;
      },
      discard: async () => undefined,
    };
  const tmp = join(dirname(t.path), `.${basename(t.path)}.seed-tmp`);
  const tmpDb = tableIndex(tmp, t.type);
  const discard = async () => {
    await rm(tmp, { force: true });
    await rm(tmpDb, { force: true });
  };
  await discard();
  try {
    await fsOp('write', tmp, () => writeFile(tmp, content, { mode: t.mode }));
    await fixOwnership(tmp, own, { kind: 'file' });
    await run('postmap', ['-c', t.configDir, ...(t.rhsIsFile ? ['-F'] : []), `${t.type}:${tmp}`]);
    await fixOwnership(tmpDb, own, { kind: 'file' });
    // The source is made durable with its index, after postmap read it from the page cache (not before: its fsync,
    // MB at 100,000 mailboxes, held postmap back). Both are on disk before install() renames either.
    await Promise.all([fsyncPath(tmp), fsyncPath(tmpDb)]);
  } catch (e) {
    await discard();
    throw e;
  }
  return {
    install: async () => {
      await fsOp('replace', db, () => rename(tmpDb, db));
      await fsOp('replace', t.path, () => rename(tmp, t.path));
      if (t.syncDir !== false) await fsyncDir(dirname(t.path));
      return true;
    },
    discard,
  };
}

// Postfix lookup table, built and installed: postfix never sees a half-built map, and a daemon holding the old index
// open sees it unlinked (postfix's processes then exit before their next connection instead of serving stale
// entries). Unchanged source with an up-to-date index is left alone (mtimes kept).
export async function writeTable(t: TableWrite): Promise<boolean> {
  return (await buildTable(t)).install();
}
