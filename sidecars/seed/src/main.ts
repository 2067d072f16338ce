#!/usr/bin/env node
import { detectVariant, isVariant, rootOf, runSidecar } from '@mta/shared';
import { askFactsAhead } from './apply/facts.ts';
import { seedOrFail } from './seed-step.ts';
import { startStepMain } from './start-step.ts';

const root = rootOf(process.env);
const variant = isVariant(process.env.MTA_VARIANT) ? process.env.MTA_VARIANT : detectVariant(root);

// `--plan` / `--replan`: the start plan (entry steps 15 and 30); without a flag: seeding (entry step 20).
const plan = process.argv.includes('--plan') ? 'first' : process.argv.includes('--replan') ? 'again' : undefined;
if (plan) process.exitCode = await startStepMain(process.env, root, variant, plan === 'first');
else {
  askFactsAhead();
  await runSidecar({
    name: 'seed',
    failEvent: 'seed.failed',
    parse: { variant },
    rawEnv: true,
    once: (ctx) => seedOrFail(ctx, root, variant),
    invalid: (ctx) => seedOrFail(ctx, root, variant),
  });
}
