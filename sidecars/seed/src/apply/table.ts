import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fixOwnership, fsyncDir, fsyncPath, run } from '@mta/shared';

const SUFFIX: Record<string, string> = { hash: '.db', btree: '.db', lmdb: '.lmdb', cdb: '.cdb', dbm: '.db', sdbm: '.dir' };

export interface TableWrite {
  path: string;
  content: Buffer;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  // Config dir postmap reads main.cf from (the staged one: the live main.cf may not exist yet).
  configDir: string;
  // false: the caller fsyncs the directory once for a batch (syncDirs).
  syncDir?: boolean;
}

const mtimeOf = (p: string) =>
  stat(p).then(
    (s) => s.mtimeMs,
    () => undefined,
  );

// Postfix lookup table: the source and its indexed file are built under temp names and renamed into place, so
// postfix never sees a half-built map. Unchanged source with an up-to-date index is left alone (mtimes kept).
export async function writeTable(t: TableWrite): Promise<boolean> {
  const suffix = SUFFIX[t.type] ?? '.db';
  const db = `${t.path}${suffix}`;
  const current = await readFile(t.path).catch(() => undefined);
  const [srcM, dbM] = await Promise.all([mtimeOf(t.path), mtimeOf(db)]);
  if (current?.equals(t.content) && srcM !== undefined && dbM !== undefined && dbM >= srcM) {
    for (const p of [t.path, db]) await fixOwnership(p, { mode: t.mode, uid: t.uid, gid: t.gid });
    return false;
  }
  const tmp = join(dirname(t.path), `.${basename(t.path)}.seed-tmp`);
  const tmpDb = `${tmp}${suffix}`;
  await rm(tmp, { force: true });
  await rm(tmpDb, { force: true });
  await writeFile(tmp, t.content, { mode: t.mode, flush: true });
  await fixOwnership(tmp, { mode: t.mode, uid: t.uid, gid: t.gid }, { kind: 'file' });
  await run('postmap', ['-c', t.configDir, `${t.type}:${tmp}`]);
  await fixOwnership(tmpDb, { mode: t.mode, uid: t.uid, gid: t.gid }, { kind: 'file' });
  await fsyncPath(tmpDb);
  await rename(tmpDb, db);
  await rename(tmp, t.path);
  if (t.syncDir !== false) await fsyncDir(dirname(t.path));
  return true;
}
