import { lstat, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureDir, type Logger, type MtaPaths, numericId, RefusedPaths, writeIfChanged, writeTable } from '@mta/shared';
import type { MergedPlan } from '../merge.ts';
import type { PlannedDir, PlannedFile } from '../plan.ts';
import { removeStaleTemps } from './stale.ts';

const ids = (x: { owner?: string; group?: string }) => ({
  uid: numericId('user', x.owner ?? 'root'),
  gid: numericId('group', x.group ?? x.owner ?? 'root'),
});

// Planned dirs may sit in a tree another uid owns (amavis's home): one replaced by a link is refused and logged,
// never followed, and the other dirs are still made.
async function planDir(d: PlannedDir, refused: RefusedPaths): Promise<boolean> {
  try {
    return await ensureDir(d.path, { mode: d.mode, ...ids(d) });
  } catch (e) {
    if (refused.report(e)) return false;
    throw e;
  }
}

async function writeFilePlanned(f: PlannedFile, configDir: string): Promise<boolean> {
  const { uid, gid } = ids(f);
  const content = typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
  if (f.ifMissing && (await lstat(f.path).catch(() => undefined))) return false;
  if (f.postmap) return writeTable({ path: f.path, content, type: f.postmap, mode: f.mode, uid, gid, configDir });
  return writeIfChanged(f.path, content, { mode: f.mode, uid, gid });
}

// Writes a validated plan: dirs, files and tables first, main.cf/master.cf last. Each write is atomic and skipped
// when nothing changed; returns the paths that were (re)written.
export async function commitPlan(
  plan: MergedPlan,
  postfix: { main: string; master: string; configDir: string },
  paths: MtaPaths,
  log: Logger,
): Promise<string[]> {
  const changed: string[] = [];
  const conf = ['main.cf', 'master.cf'].map((n) => join(paths.postfixConf, n));
  const stale = await removeStaleTemps([...plan.files.map((f) => f.path), ...conf]);
  if (stale.length) log.info({ event: 'seed.stale_removed', files: stale }, 'removed temp files of an interrupted run');
  const refused = new RefusedPaths(log, 'seed');
  for (const d of [...plan.dirs].sort((a, b) => a.path.length - b.path.length)) if (await planDir(d, refused)) changed.push(d.path);
  for (const f of plan.files) {
    await mkdir(dirname(f.path), { recursive: true, mode: 0o755 });
    if (await writeFilePlanned(f, postfix.configDir)) changed.push(f.path);
  }
  await mkdir(paths.postfixConf, { recursive: true, mode: 0o755 });
  for (const [name, content] of [
    ['main.cf', postfix.main],
    ['master.cf', postfix.master],
  ] as const) {
    const p = join(paths.postfixConf, name);
    if (await writeIfChanged(p, content, { mode: 0o644, uid: 0, gid: 0 })) changed.push(p);
  }
  for (const p of plan.remove)
    if (
      await rm(p).then(
        () => true,
        () => false,
      )
    )
      changed.push(p);
  log.debug({ event: 'seed.commit', changed: changed.length }, 'configuration written');
  return changed;
}
