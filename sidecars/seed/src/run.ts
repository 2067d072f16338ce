import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type DaemonVersions,
  type EnvIssue,
  formatIssue,
  fsOp,
  fsyncDir,
  type Logger,
  MAILBOX_SOURCES,
  mailboxSources,
  mtaPaths,
  type ParseResult,
  parseEnv,
  type RawEnv,
  scrub,
  secretValues,
  seedGate,
  type Variant,
} from '@mta/shared';
import { postfixBase } from './apply/base.ts';
import { clearStaleTemps, commitPlan, prepareTables } from './apply/commit.ts';
import { lockedStart } from './apply/effective.ts';
import { stageTablesFile, writeEffectiveFiles } from './apply/effective-files.ts';
import { dovecotParamNames, installedDaemons, postfixParamNames } from './apply/facts.ts';
import { seededInputValues, writeSeededInputs } from './apply/seeded-inputs.ts';
import { stagePostfix } from './apply/stage.ts';
import { checkDovecot } from './apply/stage-dovecot.ts';
import { renderContext } from './context.ts';
import { passesToDovecot } from './dovecot/passthrough.ts';
import { defaultGateways, gatewayWarnings } from './gateway.ts';
import { mergeParts } from './merge.ts';
import type { PlanPart, Renderer } from './plan.ts';
import { renderPassthrough } from './postfix/passthrough.ts';
import { renewSelfSignedIfDue } from './postfix/self-signed-renew.ts';
import { renderers as registry } from './renderers.ts';

export interface RunSeedOptions {
  env: RawEnv;
  // Filesystem root every path lives under (`/` in the image, a temp dir in tests).
  root: string;
  variant: Variant;
  log: Logger;
  // Defaults to the registry in renderers.ts; the postfix pass-through always runs last.
  renderers?: Renderer[];
  now?: Date;
  // The caller's parse of env, so the environment is parsed once per start.
  parsed?: ParseResult;
  // The container's default gateways (read from /proc/net when not given).
  gateways?: readonly string[];
  // The installed postfix and dovecot versions (read from the programs on `/` when not given). Given, the seed
  // renders for them and does not ask the installed doveconf (tests of a /srv seeded by another release).
  daemons?: DaemonVersions;
}

export interface SeedResult {
  // skipped: locked (no unlock file, no FORCE_CONFIG); invalid: nothing was written; applied: config written.
  status: 'skipped' | 'invalid' | 'applied';
  // invalid: the variables at fault, or (about no variable) what postfix or staging refused.
  errors: EnvIssue[];
  failure?: string;
  warnings: string[];
  // Paths (re)written; empty when everything was already up to date.
  changed: string[];
  domains: string[];
  variant: Variant;
  durationMs: number;
}

// A renderer that throws is a fault of the seed, not of a variable: it is told as the result's failure.
function renderAll(renderers: readonly Renderer[], ctx: Parameters<Renderer>[0], crashes: string[]): PlanPart[] {
  return renderers.map((r) => {
    try {
      return r(ctx);
    } catch (e) {
      crashes.push(`${r.name || 'a renderer'} cannot render: ${(e as Error).message}`);
      return {};
    }
  });
}

// The seed: env -> validated plan -> staged and checked by postfix -> atomic writes -> unlock file removed last.
// Killed at any point, the unlock file is still there and the next run completes the same config.
export async function runSeed(opts: RunSeedOptions): Promise<SeedResult> {
  const t0 = performance.now();
  const paths = mtaPaths(opts.root);
  const now = opts.now ?? new Date();
  // Errors can quote values (postfix echoes a bad parameter); secret values never leave the seed, X__FILE ones included.
  const secrets = secretValues(opts.env);
  const done = (r: Omit<SeedResult, 'variant' | 'durationMs'>): SeedResult => ({
    ...r,
    errors: r.errors.map((e) => ({ ...e, message: scrub(e.message, secrets) })),
    ...(r.failure !== undefined && { failure: scrub(r.failure, secrets) }),
    variant: opts.variant,
    durationMs: Math.round(performance.now() - t0),
  });
  const phases: Record<string, number> = {};
  let lap = t0;
  const phase = (name: string) => {
    const t = performance.now();
    phases[name] = Math.round(t - lap);
    lap = t;
  };
  const gate = seedGate(opts.env, opts.root);
  const parsed = opts.parsed ?? parseEnv(opts.env, { variant: opts.variant });
  if (!gate.run) {
    const changed = await renewSelfSignedIfDue(paths, now, opts.log);
    const daemons = opts.daemons ?? (await installedDaemons());
    await lockedStart({
      parsed,
      paths,
      variant: opts.variant,
      root: opts.root,
      now,
      log: opts.log,
      postfixParams: postfixParamNames,
      daemons,
    });
    return done({ status: 'skipped', errors: [], warnings: [], changed, domains: [] });
  }
  const envWarnings = parsed.warnings.map(formatIssue);
  if (!parsed.ok) return done({ status: 'invalid', errors: parsed.errors, warnings: envWarnings, changed: [], domains: [] });
  const domains = parsed.config.MAIL_DOMAIN ?? [];
  const [postfixParams, dovecotParams, base, daemons] = await Promise.all([
    postfixParamNames(),
    passesToDovecot(parsed.env) ? dovecotParamNames() : new Set<string>(),
    postfixBase(paths),
    opts.daemons ?? installedDaemons(),
  ]);
  phase('facts');
  const ctx = renderContext({
    config: parsed.config,
    env: parsed.env,
    paths,
    variant: opts.variant,
    postfixParams,
    dovecotParams,
    daemons,
    now,
  });
  const crashes: string[] = [];
  const parts = renderAll(opts.renderers ?? registry, ctx, crashes);
  const plan = mergeParts([...parts, renderPassthrough(ctx, Object.assign({}, ...parts.map((p) => p.postconf)))]);
  plan.warnings.unshift(...envWarnings);
  plan.warnings.push(...gatewayWarnings(parsed.config, opts.gateways ?? defaultGateways()));
  if (!base.base) crashes.push(`no main.cf/master.cf in ${base.source} to render from`);
  if (plan.errors.length || crashes.length || !base.base) {
    const failure = crashes.length ? crashes.join('; ') : undefined;
    return done({ status: 'invalid', errors: plan.errors, ...(failure && { failure }), warnings: plan.warnings, changed: [], domains });
  }

  phase('render');
  // Dovecot's parser (doveconf -n) runs while postfix's stages: each is its own process, and neither writes anything
  // live. Dovecot's refusal is told first, as when it ran first, and drops what staging made. Versions given by the
  // caller (a test seeding for another release's dovecot) name a dovecot whose parser is not here to ask.
  const dovecotCheck = opts.daemons ? Promise.resolve(undefined) : checkDovecot(plan.files, paths);
  const postfix = base.base;
  const staging = (async () => {
    await clearStaleTemps(plan, paths, opts.log);
    // The tables are indexed under temp names while postfix validates the staged main.cf; a refused config drops them.
    return stagePostfix(postfix, plan.postconf, plan.master, (configDir) => prepareTables(plan.files, configDir));
  })();
  // The tables file (a pass over every mailbox and alias, written and fsynced under a temp name) is made meanwhile:
  // this process is otherwise idle while postmap, postfix and doveconf check. It goes in place after the commit.
  const tablesFile = stageTablesFile(paths, parsed);
  const [dovecotRefused, staged, tables] = await Promise.allSettled([dovecotCheck, staging, tablesFile]);
  // Anything refused or failed: neither the staged postfix files nor the tables file's temp stay.
  const dropStaged = async () => {
    if (staged.status === 'fulfilled' && staged.value.ok) {
      await staged.value.prepared?.discard();
      await staged.value.dispose();
    }
    if (tables.status === 'fulfilled') await tables.value.discard();
  };
  const refused = dovecotRefused.status === 'rejected' || dovecotRefused.value;
  if (refused || staged.status === 'rejected' || !staged.value.ok || tables.status === 'rejected') await dropStaged();
  if (dovecotRefused.status === 'rejected') throw dovecotRefused.reason;
  if (dovecotRefused.value)
    return done({ status: 'invalid', errors: [], failure: dovecotRefused.value, warnings: plan.warnings, changed: [], domains });
  if (staged.status === 'rejected') throw staged.reason;
  if (!staged.value.ok)
    return done({ status: 'invalid', errors: [], failure: staged.value.reason, warnings: plan.warnings, changed: [], domains });
  if (tables.status === 'rejected') throw tables.reason;
  const stagedOk = staged.value;
  const tablesOk = tables.value;
  phase('stage');
  let changed: string[];
  try {
    changed = await commitPlan(plan, stagedOk, paths, opts.log);
  } catch (e) {
    await tablesOk.discard();
    throw e;
  } finally {
    await stagedOk.dispose();
  }
  // Before the unlock file goes: killed in between, the next start seeds again and writes it then.
  // Side by side: each is its own atomic write and fsync, and neither depends on the other.
  await Promise.all([
    writeEffectiveFiles(
      paths,
      { config: parsed.config, variant: opts.variant, root: opts.root, now, source: 'seeding', daemons },
      tablesOk,
    ),
    writeSeededInputs(paths.seededInputs, seededInputValues(parsed.config, parsed.env, postfixParams)),
  ]);
  await fsOp('remove', gate.unlockFile, () => rm(gate.unlockFile, { force: true }));
  await fsyncDir(dirname(gate.unlockFile)).catch(() => undefined);
  phase('commit');
  opts.log.debug({ event: 'seed.timing', phases }, 'seed phases (ms)');
  for (const w of plan.warnings) opts.log.warn({ event: 'seed.warning' }, w);
  if (!mailboxSources(parsed.config).length)
    opts.log.info(
      { event: 'seed.relay-only', domains },
      `relay only: no domain is local; set ${MAILBOX_SOURCES.join(', ')} (or the other LDAP/MySQL lookup variables) to receive mail here`,
    );
  opts.log.info({ event: 'seed.applied', domains, changed: changed.length, force: gate.force }, 'configuration seeded');
  return done({ status: 'applied', errors: [], warnings: plan.warnings, changed, domains });
}
