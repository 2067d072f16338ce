import { lstat, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type BuiltTable,
  buildTable,
  ensureDir,
  type Logger,
  type MtaPaths,
  makeDirs,
  numericId,
  onReadOnlyFs,
  RefusedPaths,
  syncDirs,
  type TableWrite,
  writeIfChanged,
  writeTable,
} from '@mta/shared';
import type { MergedPlan } from '../merge.ts';
import type { PlannedDir, PlannedFile } from '../plan.ts';
import { removeStaleTemps } from './stale.ts';

const ids = (x: { owner?: string; group?: string }) => ({
  uid: numericId('user', x.owner ?? 'root'),
  gid: numericId('group', x.group ?? x.owner ?? 'root'),
});

// Planned dirs may sit in a tree another uid owns (amavis's home): one replaced by a link is refused and logged,
// never followed, and the other dirs are still made. One that may be read-only (a signature volume) and is, is used
// as it is: nothing tries to change it.
async function planDir(d: PlannedDir, refused: RefusedPaths, log: Logger): Promise<boolean> {
  if (d.mayBeReadOnly && (await lstat(d.path).catch(() => undefined)) && onReadOnlyFs(d.path)) {
    log.info({ event: 'seed.read_only', path: d.path }, `${d.path} is read-only: used as it is (owner and mode left alone)`);
    return false;
  }
  try {
    return await ensureDir(d.path, { mode: d.mode, ...ids(d) });
  } catch (e) {
    if (refused.report(e)) return false;
    throw e;
  }
}

const tableWrite = (f: PlannedFile & { postmap: string }, configDir: string): TableWrite => ({
  path: f.path,
  content: f.content,
  type: f.postmap,
  mode: f.mode,
  ...ids(f),
  configDir,
  syncDir: false,
});

// The plan's tables indexed under temp names, side by side (while postfix validates the staged config); `built` is
// keyed by table path, discard() removes every temp when the config is refused.
export interface PreparedTables {
  built: ReadonlyMap<string, BuiltTable>;
  discard: () => Promise<void>;
}

export async function prepareTables(files: readonly PlannedFile[], configDir: string): Promise<PreparedTables> {
  const tables = files.filter((f): f is PlannedFile & { postmap: string } => Boolean(f.postmap) && !f.ifMissing);
  const settled = await Promise.allSettled(
    tables.map(async (f) => {
      await makeDirs(dirname(f.path));
      // The source (MB at 100,000 mailboxes) is held by buildTable alone, which lets it go once it is in the temp
      // file: not while postmap runs and the seed makes its tables file alongside. Installed from the temp file.
      const write = tableWrite(f, configDir);
      f.content = '';
      const building = buildTable(write);
      write.content = '';
      return [f.path, await building] as const;
    }),
  );
  const built = new Map(settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
  const discard = async () => {
    await Promise.all([...built.values()].map((b) => b.discard()));
  };
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) {
    await discard();
    throw failed.reason;
  }
  return { built, discard };
}

async function writeFilePlanned(f: PlannedFile, configDir: string, tables?: PreparedTables): Promise<boolean> {
  if (f.ifMissing && (await lstat(f.path).catch(() => undefined))) return false;
  if (f.postmap) return (await tables?.built.get(f.path)?.install()) ?? writeTable(tableWrite({ ...f, postmap: f.postmap }, configDir));
  // Encoded here, not before the table branch: a table's source (MB at 100,000 mailboxes) was encoded for nothing.
  const content = typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
  return writeIfChanged(f.path, content, { mode: f.mode, ...ids(f), syncDir: false });
}

// One planned file in its directory; resolves to its path when it was (re)written.
async function writeFileStarted(f: PlannedFile, configDir: string, tables?: PreparedTables): Promise<string | undefined> {
  await makeDirs(dirname(f.path));
  return (await writeFilePlanned(f, configDir, tables)) ? f.path : undefined;
}

// Planned dirs grouped by depth, shallowest first.
function byDepth(dirs: readonly PlannedDir[]): PlannedDir[][] {
  const levels = new Map<number, PlannedDir[]>();
  for (const d of dirs) {
    const depth = d.path.split('/').filter(Boolean).length;
    levels.set(depth, [...(levels.get(depth) ?? []), d]);
  }
  return [...levels.entries()].sort(([a], [b]) => a - b).map(([, l]) => l);
}

// Like Promise.all, but a failure is thrown only once every write has finished (none still runs on the staged dir).
async function settleAll<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

const postfixConfFiles = (paths: MtaPaths) => ['main.cf', 'master.cf'].map((n) => join(paths.postfixConf, n));

// Temp files a killed run left next to the plan's files, removed before anything is built next to them.
export async function clearStaleTemps(plan: MergedPlan, paths: MtaPaths, log: Logger): Promise<void> {
  const stale = await removeStaleTemps([...plan.files.map((f) => f.path), ...postfixConfFiles(paths)]);
  if (stale.length) log.info({ event: 'seed.stale_removed', files: stale }, 'removed temp files of an interrupted run');
}

// Writes a validated plan: dirs, files and tables first, main.cf/master.cf last. Each write is atomic and skipped
// when nothing changed; returns the paths that were (re)written.
export async function commitPlan(
  plan: MergedPlan,
  postfix: { main: string; master: string; configDir: string; prepared?: PreparedTables | undefined },
  paths: MtaPaths,
  log: Logger,
): Promise<string[]> {
  const changed: string[] = [];
  const conf = postfixConfFiles(paths);
  const tables = postfix.prepared;
  const refused = new RefusedPaths(log, 'seed');
  // Dirs level by level (parents before children, siblings side by side); each file starts as soon as the planned
  // dirs above it exist, so writing files and indexing tables overlap with making the deeper dirs, and with each
  // other (their fsyncs and postmap runs).
  const started = new Map<PlannedFile, Promise<string | undefined>>();
  const done = new Set<string>();
  const startReady = () => {
    for (const f of plan.files)
      if (!started.has(f) && plan.dirs.every((d) => !f.path.startsWith(`${d.path}/`) || done.has(d.path))) {
        const write = writeFileStarted(f, postfix.configDir, tables);
        // Awaited below (settleAll); until then a failure (a full disk) must not count as unhandled and end the seed
        // before it could say what failed.
        write.catch(() => undefined);
        started.set(f, write);
      }
  };
  startReady();
  try {
    for (const level of byDepth(plan.dirs)) {
      const made = await settleAll(level.map(async (d) => ((await planDir(d, refused, log)) ? d.path : undefined)));
      changed.push(...made.filter((p) => p !== undefined));
      for (const d of level) done.add(d.path);
      startReady();
    }
  } catch (e) {
    await Promise.allSettled(started.values());
    throw e;
  }
  const written = await settleAll(plan.files.map((f) => started.get(f) as Promise<string | undefined>));
  changed.push(...written.filter((p) => p !== undefined));
  await makeDirs(paths.postfixConf);
  for (const [name, content] of [
    ['main.cf', postfix.main],
    ['master.cf', postfix.master],
  ] as const) {
    const p = join(paths.postfixConf, name);
    if (await writeIfChanged(p, content, { mode: 0o644, uid: 0, gid: 0, syncDir: false })) changed.push(p);
  }
  // Every rename above is durable before the caller removes the unlock file.
  await syncDirs([...written.filter((p) => p !== undefined), ...conf.filter((p) => changed.includes(p))]);
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
