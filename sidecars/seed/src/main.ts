#!/usr/bin/env node
import {
  detectVariant,
  type EnvIssue,
  ErrorCode,
  formatIssue,
  MtaError,
  type ParseResult,
  type ReportContext,
  runSidecar,
  type Variant,
} from '@mta/shared';
import { registerSeedRazor } from './razor-step.ts';
import { runSeed, type SeedResult } from './run.ts';

const VARIANTS: readonly string[] = ['mini', 'base', 'full'];

// The seed one-shot of the image: seed when unlocked or forced, exit 1 with every error listed, announce the outcome.
// An invalid environment is reported the same way (on a locked container it is not even looked at).
async function seed(ctx: ReportContext, parsed: ParseResult): Promise<number> {
  const { env, log, bus } = ctx;
  const root = env.MTA_ROOT || '/';
  const variant = (VARIANTS.includes(env.MTA_VARIANT ?? '') ? env.MTA_VARIANT : detectVariant(root)) as Variant;
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
  const subject = result.status === 'invalid' ? 'mta.seed.failed' : 'mta.seed.done';
  bus.publish(subject, { variant, status: result.status, domains: result.domains, errors, changed: result.changed.length });
  return result.status === 'invalid' ? 1 : 0;
}

await runSidecar({
  name: 'seed',
  failEvent: 'seed.failed',
  once: (ctx) => seed(ctx, { ok: true, config: ctx.config, env: ctx.env }),
  invalid: (ctx, errors: readonly EnvIssue[]) => seed(ctx, { ok: false, errors: [...errors] }),
});
