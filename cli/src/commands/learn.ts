import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, ensureDir, mtaPaths, rootOf } from '@mta/shared';
import type { Command } from 'commander';
import { component } from '../component.ts';
import { type CliIo, failure } from '../io.ts';

// `mta learn spam|ham <files…>`: the sidecar's code path (copy, check, one sa-learn as amavis, bisect), without
// deleting or moving the operator's files. Merges the journal at the end so amavis uses the result at once.
export async function learn(io: CliIo, kind: string, files: readonly string[]): Promise<void> {
  const { EnvironmentFailure, ensureBayesDir, isKind, learnFiles, lookupUser, SaRunner, syncBayes } = await component(
    'spamd-learn',
    'learn',
    io,
  );
  if (!isKind(kind)) {
    throw failure(io, ErrorCode.Usage, `mta learn: kind must be spam or ham, got ${JSON.stringify(kind)}`);
  }
  const paths = mtaPaths(rootOf(io.env));
  const user = await lookupUser('amavis');
  await ensureBayesDir(paths.bayes, user);
  // Copies under run/mta/learn-cli (root's, group amavis, setgid), not spamd-learn's dir; sa-learn as amavis reads them.
  const stagingRoot = join(paths.run, 'learn-cli');
  await ensureDir(stagingRoot, { mode: 0o2750, uid: 0, gid: user.gid });
  const runner = SaRunner.start({ user, stagingRoot, dbPath: paths.bayes, home: paths.amavisHome });
  // The operator's own paths: links followed.
  const sources = files.map((f) => {
    const label = resolve(f);
    return { label, read: async () => ({ data: await readFile(label) }) };
  });
  try {
    const r = await learnFiles(kind, sources, { runner, stagingRoot });
    const unsynced = await syncBayes(runner);
    if (unsynced) io.err(`mta learn: journal not merged yet (${unsynced}); amavis sees the tokens after the next sync`);
    for (const f of r.failed) io.err(`${f.source.label}: ${f.reason}`);
    for (const f of r.vanished) io.err(`${f.label}: no such file`);
    io.out(`learned ${r.learned.length} of ${files.length} file(s) as ${kind} into ${paths.bayes} (${r.durationMs} ms)`);
    if (r.failed.length + r.vanished.length > 0) throw failure(io, ErrorCode.Exec);
  } catch (e) {
    if (!(e instanceof EnvironmentFailure)) throw e;
    throw failure(io, ErrorCode.Exec, `mta learn: nothing learned: ${e.reason}`);
  } finally {
    runner.close();
  }
}

// Registers `mta learn spam|ham <files…>` on the program.
export function registerLearn(program: Command, io: CliIo): void {
  program
    .command('learn <kind> <files...>')
    .description("train amavis's Bayes DB: learn files as spam or ham (as the amavis user, one sa-learn run)")
    .action((kind: string, files: string[]) => learn(io, kind, files));
}
