import {
  createLogger,
  describeError,
  MtaError,
  mtaPaths,
  nodeOf,
  type ParseResult,
  parseEffective,
  type RawEnv,
  readStartPlan,
  resolveFileVars,
  type StartPlan,
  startPlan,
  startSettings,
  type Variant,
  warnPlainSecrets,
  writeProcessEnvs,
  writeStartPlan,
} from '@mta/shared';

export interface StartStepInput {
  env: RawEnv;
  root: string;
  variant: Variant;
  // The first plan of a start decides whether it seeds (the unlock file is still there); a later one keeps that.
  first: boolean;
  // This start's environment with the effective configuration put in (the node name the bus runs under is seeded).
  parsed: ParseResult;
  exists?: (path: string) => boolean;
}

// The start plan (`seed --plan`, entry step 15, before anything needs the bus; `seed --replan` before the services are
// linked, so what seeding wired, the PROXY gate and the sender milter, runs at once): services, entry steps, the
// local bus, written for the sidecars and the shell.
export async function runStartStep(i: StartStepInput): Promise<StartPlan> {
  const paths = mtaPaths(i.root);
  const earlier = i.first ? undefined : await readStartPlan(paths.startPlan);
  const plan = startPlan({ env: i.env, settings: startSettings(i.env, i.parsed), variant: i.variant, root: i.root, exists: i.exists });
  const out = earlier ? { ...plan, seeding: earlier.seeding } : plan;
  await writeStartPlan(paths, out);
  return out;
}

// The step as a process: no bus (the local one starts from this very plan), one line when it fails.
export async function startStepMain(env: RawEnv, root: string, variant: Variant, first: boolean): Promise<number> {
  const log = createLogger({ sidecar: 'start', node: nodeOf(env) });
  try {
    const parsed = await parseEffective(env, { variant });
    // Each process's share of the environment, before anything is started (image/lib/clean-env), at every start;
    // also from an environment a locked container does not check (its sidecars then report what fails for them).
    if (first) {
      warnPlainSecrets(log, env);
      const resolved = parsed.ok ? parsed.env : resolveFileVars(env).env;
      await writeProcessEnvs({ root, raw: env, resolved, node: startSettings(env, parsed).MTA_NODE ?? 'mta' });
    }
    const plan = await runStartStep({ env, root, variant, first, parsed });
    log.debug({ event: 'start.plan', services: plan.services, seeding: plan.seeding }, 'start plan written');
    return 0;
  } catch (e) {
    const told = describeError(e);
    log.error({ event: 'start.failed', code: MtaError.from(e).code }, `start plan: ${told}`);
    process.stderr.write(`start plan: ${told}\n`);
    return 1;
  }
}
