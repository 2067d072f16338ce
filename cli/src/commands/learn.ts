import { join, resolve } from 'node:path';
import { mtaPaths } from '@mta/shared';
import type { Command } from 'commander';
import { CliExit, type CliIo } from '../io.ts';
import { variantModule } from '../variant-module.ts';

// `mta learn spam|ham <files…>`: the sidecar's code path (copy, check, one sa-learn as amavis, bisect), without
// deleting or moving the operator's files. Merges the journal at the end so amavis uses the result at once.
export async function learn(io: CliIo, kind: string, files: readonly string[]): Promise<void> {
  const { EnvironmentFailure, ensureBayesDir, isKind, learnFiles, lookupUser, syncBayes } = await variantModule(
    io,
    'learn',
    () => import('@mta/spamd-learn'),
  );
  if (!isKind(kind)) {
    io.err(`mta learn: kind must be spam or ham, got ${JSON.stringify(kind)}`);
    throw new CliExit(2);
  }
  const paths = mtaPaths(io.env.MTA_ROOT ?? '/');
  const user = await lookupUser('amavis');
  await ensureBayesDir(paths.bayes, user);
  const target = { dbPath: paths.bayes, user, home: paths.amavisHome };
  try {
    const r = await learnFiles(
      kind,
      files.map((f) => resolve(f)),
      { target, stagingRoot: join(paths.run, 'spamd-learn', 'cli') },
    );
    const unsynced = await syncBayes(target);
    if (unsynced) io.err(`mta learn: journal not merged yet (${unsynced}); amavis sees the tokens after the next sync`);
    for (const f of r.failed) io.err(`${f.path}: ${f.reason}`);
    for (const f of r.vanished) io.err(`${f}: no such file`);
    io.out(`learned ${r.learned.length} of ${files.length} file(s) as ${kind} into ${paths.bayes} (${r.durationMs} ms)`);
    if (r.failed.length + r.vanished.length > 0) throw new CliExit(1);
  } catch (e) {
    if (!(e instanceof EnvironmentFailure)) throw e;
    io.err(`mta learn: nothing learned: ${e.reason}`);
    throw new CliExit(1);
  }
}

// Registers `mta learn spam|ham <files…>` on the program.
export function registerLearn(program: Command, io: CliIo): void {
  program
    .command('learn <kind> <files...>')
    .description("train amavis's Bayes DB: learn files as spam or ham (as the amavis user, one sa-learn run)")
    .action((kind: string, files: string[]) => learn(io, kind, files));
}
