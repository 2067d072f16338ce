#!/usr/bin/env node
import {
  Bus,
  createLogger,
  detectVariant,
  ErrorCode,
  formatIssue,
  MtaError,
  parseEnv,
  type SidecarContext,
  secretValues,
  startSidecar,
  type Variant,
} from '@mta/shared';
import { registerSeedRazor } from './razor-step.ts';
import { runSeed, type SeedResult } from './run.ts';

const VARIANTS: readonly string[] = ['mini', 'base', 'full'];

// Gives a best-effort event up to this long to reach NATS before the one-shot exits.
const PUBLISH_WAIT_MS = 1500;

// The seed one-shot of the image: seed when unlocked or forced, exit 1 with every error listed, announce the outcome.
async function main(): Promise<number> {
  const env = process.env;
  const root = env.MTA_ROOT || '/';
  const variant = (VARIANTS.includes(env.MTA_VARIANT ?? '') ? env.MTA_VARIANT : detectVariant(root)) as Variant;
  // An invalid environment still needs a logger and a bus to report itself; startSidecar refuses it.
  let side: Pick<SidecarContext, 'log' | 'bus'> | undefined;
  if (parseEnv(env).ok) side = startSidecar('seed', env);
  const log = side?.log ?? createLogger({ sidecar: 'seed', node: env.MTA_NODE || env.HOSTNAME || 'mta', secrets: secretValues(env) });
  const bus =
    side?.bus ??
    Bus.start({ servers: (env.NATS_URL || 'nats://127.0.0.1:4222').split(','), name: 'mta-seed', node: env.MTA_NODE || 'mta', log });

  let result: SeedResult;
  try {
    result = await runSeed({ env, root, variant, log });
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
  if (result.status === 'applied' && variant === 'full') await registerSeedRazor(env, root, log);
  const subject = result.status === 'invalid' ? 'mta.seed.failed' : 'mta.seed.done';
  bus.publish(subject, { variant, status: result.status, domains: result.domains, errors, changed: result.changed.length });
  await Promise.race([bus.connection(), new Promise((r) => setTimeout(r, PUBLISH_WAIT_MS))]);
  await bus.close();
  return result.status === 'invalid' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`seed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
