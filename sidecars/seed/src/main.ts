#!/usr/bin/env node
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  detectVariant,
  ErrorCode,
  formatIssue,
  MtaError,
  mtaPaths,
  type ReportContext,
  renderStartEnv,
  runSidecar,
  startPlan,
  startSettings,
  type Variant,
  waitForTcp,
  writeAtomic,
} from '@mta/shared';
import { agePostfixConf } from './apply/age.ts';
import { registerSeedRazor } from './razor-step.ts';
import { runSeed, type SeedResult } from './run.ts';

const VARIANTS: readonly string[] = ['mini', 'base', 'full'];

const root = process.env.MTA_ROOT || '/';
const variant = (VARIANTS.includes(process.env.MTA_VARIANT ?? '') ? process.env.MTA_VARIANT : detectVariant(root)) as Variant;

// The seed one-shot of the image: seed when unlocked or forced, exit 1 with every error listed, announce the outcome.
// An invalid environment is reported the same way (on a locked container it is not even looked at).
async function seed(ctx: ReportContext): Promise<number> {
  const { env, log, bus, parsed } = ctx;
  const paths = mtaPaths(root);
  // First, before the unlock file goes: the decisions of this start for the image's shell (the local bus waits for
  // them), computed even from an invalid environment so its errors still reach the bus.
  const plan = () => startPlan({ env, settings: startSettings(env, parsed), variant, root });
  const first = plan();
  await mkdir(paths.run, { recursive: true, mode: 0o755 });
  await writeAtomic(join(paths.run, 'start.env'), renderStartEnv(first), { mode: 0o644 });
  let result: SeedResult;
  try {
    result = await runSeed({ env, root, variant, log, parsed });
  } catch (e) {
    // Writing failed half-way (disk full, permissions): the unlock file is still there, the next start retries.
    const err = MtaError.from(e, ErrorCode.Io);
    result = {
      status: 'invalid',
      errors: [{ variable: 'seed', message: err.message }],
      warnings: [],
      changed: [],
      domains: [],
      variant,
      durationMs: 0,
    };
  }
  const errors = result.errors.map(formatIssue);
  if (result.status === 'invalid') {
    log.error({ event: 'seed.failed', variant, errors }, `seeding failed (${errors.length} errors); nothing more was written`);
    for (const e of errors) process.stderr.write(`seed: ${e}\n`);
  } else if (result.status === 'skipped') log.info({ event: 'seed.skipped', variant }, 'configuration locked; not seeding');
  if (result.status === 'applied' && variant === 'full' && parsed.ok) await registerSeedRazor(parsed.config, root, log);
  if (result.status !== 'invalid') await agePostfixConf(paths.postfixConf, 3000);
  // Again, for what seeding itself decided (the PROXY-protocol gate it rendered); this start stays a seeding one.
  await writeAtomic(join(paths.run, 'start.env'), renderStartEnv({ ...plan(), seeding: first.seeding }), { mode: 0o644 });
  // The local bus starts once the plan is written: give it a moment rather than report it unreachable.
  if ('port' in first.bus) await waitForTcp('127.0.0.1', first.bus.port, 2000);
  const subject = result.status === 'invalid' ? 'mta.seed.failed' : 'mta.seed.done';
  bus.publish(subject, { variant, status: result.status, domains: result.domains, errors, changed: result.changed.length });
  return result.status === 'invalid' ? 1 : 0;
}

await runSidecar({
  name: 'seed',
  failEvent: 'seed.failed',
  parse: { variant },
  once: seed,
  invalid: seed,
});
