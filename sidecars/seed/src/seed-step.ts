import {
  describeError,
  formatIssue,
  isFsError,
  MtaError,
  mtaPaths,
  type ReportContext,
  readStartPlan,
  seedGate,
  type Variant,
  waitForTcp,
} from '@mta/shared';
import { agePostfixConf } from './apply/age.ts';
import { migrateOwners } from './apply/owners.ts';
import { registerSeedRazor } from './razor-step.ts';
import { runSeed, type SeedResult } from './run.ts';

// Exit statuses image/entry.d/20-mta-seed tells apart: only `invalid` asks the user to fix variables.
export const SEED_EXIT = { invalid: 1, write: 2 } as const;

// The seed one-shot of the image: seed when unlocked or forced, exit 1 with every error listed, announce the outcome.
// An invalid environment is reported the same way (on a locked container it is not even looked at).
async function seed(ctx: ReportContext, root: string, variant: Variant): Promise<number> {
  const { env, log, bus, parsed } = ctx;
  const paths = mtaPaths(root);
  let result: SeedResult;
  // Not a configuration problem: a file could not be written (a read-only volume, ownership, a full disk), told with
  // its path, the operation and what to fix. The unlock file is still there, the next start seeds again.
  let failure: string | undefined;
  try {
    // Before anything reads or writes /srv: its files re-owned if another image's accounts wrote them.
    await migrateOwners(root, paths, seedGate(env, root).unlockFile, log);
    result = await runSeed({ env, root, variant, log, parsed });
  } catch (e) {
    failure = describeError(e);
    const fs = isFsError(e) ? { path: e.path, op: e.op, errno: e.errno } : {};
    log.error(
      { event: 'seed.failed', variant, code: MtaError.from(e).code, ...fs },
      `seeding could not write the configuration: ${failure}`,
    );
    process.stderr.write(`seed: ${failure}\n`);
    result = {
      status: 'invalid',
      errors: [],
      failure,
      warnings: [],
      changed: [],
      domains: [],
      variant,
      durationMs: 0,
    };
  }
  const errors = [...result.errors.map(formatIssue), ...(result.failure === undefined ? [] : [result.failure])];
  if (result.status === 'invalid' && !failure) {
    log.error({ event: 'seed.failed', variant, errors }, `seeding failed (${errors.length} errors); nothing more was written`);
    for (const e of errors) process.stderr.write(`seed: ${e}\n`);
  } else if (result.status === 'skipped') log.info({ event: 'seed.skipped', variant }, 'configuration locked; not seeding');
  if (result.status === 'applied' && variant === 'full' && parsed.ok) await registerSeedRazor(parsed.config, root, log);
  if (result.status !== 'invalid') await agePostfixConf(paths.postfixConf, 3000);
  // The local bus starts once the start plan is written (the step before): give it a moment rather than report it
  // unreachable.
  const plan = await readStartPlan(paths.startPlan);
  if (plan && 'port' in plan.bus) await waitForTcp('127.0.0.1', plan.bus.port, 2000);
  const subject = result.status === 'invalid' ? 'mta.seed.failed' : 'mta.seed.done';
  bus.publish(subject, { variant, status: result.status, domains: result.domains, errors, changed: result.changed.length });
  return failure ? SEED_EXIT.write : result.status === 'invalid' ? SEED_EXIT.invalid : 0;
}

// Whatever fails after the seed itself (Razor, the bus) is told the same way, and never as a configuration error.
export async function seedOrFail(ctx: ReportContext, root: string, variant: Variant): Promise<number> {
  try {
    return await seed(ctx, root, variant);
  } catch (e) {
    const told = describeError(e);
    ctx.log.error({ event: 'seed.failed', variant, code: MtaError.from(e).code }, `seed: ${told}`);
    process.stderr.write(`seed: ${told}\n`);
    return SEED_EXIT.write;
  }
}
