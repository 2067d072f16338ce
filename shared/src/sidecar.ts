import { Bus } from './bus.ts';
import { withEffective } from './effective/overlay.ts';
import {
  type Config,
  type EnvIssue,
  formatIssue,
  nodeOf,
  type ParseOptions,
  type ParseResult,
  parseEnv,
  type RawEnv,
  secretValues,
} from './env/index.ts';
import { MtaError } from './errors.ts';
import { describeError } from './fs/errors.ts';
import { type Cleanup, type Lifecycle, lifecycle } from './lifecycle.ts';
import { createLogger, type Logger } from './log.ts';
import { type MtaPaths, mtaPaths, rootOf } from './paths.ts';
import { sleep } from './sleep.ts';
import { PROCESS_MARK } from './start/process-env.ts';
import { startSettings } from './start/settings.ts';

// What a sidecar reports through, valid environment or not.
export interface ReportContext {
  env: RawEnv;
  // The one parse of the environment (with its warnings).
  parsed: ParseResult;
  log: Logger;
  bus: Bus;
  life: Lifecycle;
  // Every path under this environment's root (MTA_ROOT): the one place a sidecar gets them from.
  paths: MtaPaths;
}

export interface SidecarContext extends ReportContext {
  config: Config;
}

// How long a one-shot gives its last events to reach NATS before it exits; NATS being down must not hold up the start.
const BUS_FLUSH_MS = 1500;

// The parts of the sidecar entry: a one-shot pass (an entry step: `--once`, or a sidecar that has no service), a
// long-running service (returns its cleanup), and what to do when the environment is invalid (default: every error
// logged, exit 1). Each returns or throws; the entry logs a thrown error once, as `<failEvent>`, and exits 1.
export interface SidecarSpec {
  name: string;
  failEvent: string;
  // Resolves with the exit status (anything but a number: 0).
  once?: (ctx: SidecarContext) => Promise<unknown>;
  service?: (ctx: SidecarContext) => Promise<Cleanup | undefined>;
  invalid?: (ctx: ReportContext, errors: readonly EnvIssue[]) => Promise<number>;
  argv?: readonly string[];
  env?: RawEnv;
  // How the environment is parsed (the seed checks the rules of its image variant).
  parse?: ParseOptions;
  // The seed: works with the raw environment. Every other sidecar gets the seeded values from the effective
  // configuration (what the daemons run on), the live variables and secrets from its environment.
  rawEnv?: boolean;
}

// The one sidecar entry: environment parsed once, logger, bus and signal handling, then once or service.
export async function runSidecar(spec: SidecarSpec): Promise<void> {
  restoreGlibcTunables();
  const env = spec.env ?? process.env;
  // Started with its own share of the environment (image/lib/clean-env): the seed already checked the rules.
  let parsed = parseEnv(env, { ...spec.parse, rules: spec.parse?.rules ?? env[PROCESS_MARK] === undefined });
  // A broken effective configuration is told like any other fatal error, once the logger exists.
  let unreadable: unknown;
  if (!spec.rawEnv)
    parsed = await withEffective(parsed, mtaPaths(rootOf(env)).effective).catch((e: unknown) => {
      unreadable = e;
      return parsed;
    });
  const once = !spec.service || (spec.argv ?? process.argv).includes('--once');
  const ctx = sidecarContext(spec.name, env, parsed, once ? 1 : 0);
  try {
    if (unreadable) throw unreadable;
    if (!parsed.ok) {
      if (!spec.invalid) return void (await ctx.life.shutdown(invalidEnv(ctx, parsed.errors), 'invalid configuration'));
      const code = await spec.invalid(ctx, parsed.errors);
      await flushBus(ctx.bus);
      return void (await ctx.life.shutdown(code, 'invalid configuration'));
    }
    const full = { ...ctx, config: parsed.config };
    if (once) {
      const r = await spec.once?.(full);
      const code = typeof r === 'number' ? r : 0;
      await flushBus(ctx.bus);
      return void (await ctx.life.shutdown(code, 'done'));
    }
    const close = await spec.service?.(full);
    if (close) ctx.life.onShutdown(close);
  } catch (e) {
    // A file error names its path, the operation and what to fix (describeError), also one no wrapper caught.
    const told = describeError(e);
    ctx.log.fatal({ event: spec.failEvent, code: MtaError.from(e).code, err: told }, `${spec.name}: ${told}`);
    await ctx.life.shutdown(1, 'failed');
  }
}

function invalidEnv(ctx: ReportContext, errors: readonly EnvIssue[]): number {
  ctx.log.fatal({ event: 'config.invalid', errors: errors.map(formatIssue) }, 'invalid configuration');
  return 1;
}

// Logger, bus and lifecycle of a sidecar; with an invalid environment the bus uses the NATS settings that parse.
function sidecarContext(name: string, env: RawEnv, parsed: ParseResult = parseEnv(env), signalExitCode = 0): ReportContext {
  const config = parsed.ok ? parsed.config : undefined;
  const node = config?.MTA_NODE ?? nodeOf(env);
  const log = createLogger({
    sidecar: name,
    node,
    syslogLevel: config?.SYSLOG_LEVEL,
    secrets: secretValues(parsed.ok ? parsed.env : env),
  });
  const life = lifecycle({ log, signalExitCode });
  // An environment that does not parse as a whole still names its bus (the seed reports on it); no credentials then.
  const bus = startBus(config ?? { ...startSettings(env, parsed), MTA_NODE: node }, `mta-${name}@${node}`, log);
  life.onShutdown(() => bus.close());
  return { env: parsed.ok ? parsed.env : env, parsed, log, bus, life, paths: mtaPaths(rootOf(env)) };
}

type BusSettings = Pick<
  Config,
  | 'NATS_URL'
  | 'MTA_NODE'
  | 'NATS_USER'
  | 'NATS_PASSWORD'
  | 'NATS_TOKEN'
  | 'NATS_CREDS'
  | 'NATS_NKEY'
  | 'NATS_TLS_CA'
  | 'NATS_TLS_CERT'
  | 'NATS_TLS_KEY'
>;

// Gives buffered events up to ms to reach NATS, then closes the bus.
async function flushBus(bus: Bus, ms = BUS_FLUSH_MS): Promise<void> {
  const timeout = new AbortController();
  await Promise.race([bus.connection().catch(() => undefined), sleep(ms, timeout.signal)]);
  timeout.abort();
  await bus.close();
}

// image/lib/sidecar tunes glibc's malloc for the node process; what the sidecar runs (sa-learn, postmap) gets the
// container's own setting back.
export function restoreGlibcTunables(env: NodeJS.ProcessEnv = process.env): void {
  const outer = env.MTA_GLIBC_TUNABLES;
  if (outer === undefined) return;
  if (outer === '') delete env.GLIBC_TUNABLES;
  else env.GLIBC_TUNABLES = outer;
  delete env.MTA_GLIBC_TUNABLES;
}

// The bus with the configured NATS servers and credentials: sidecars and CLI commands connect the same way.
export function startBus(
  config: Pick<BusSettings, 'NATS_URL' | 'MTA_NODE'> & Partial<BusSettings>,
  connectionName: string,
  log?: Logger,
): Bus {
  return Bus.start({
    servers: config.NATS_URL,
    name: connectionName,
    node: config.MTA_NODE,
    log,
    user: config.NATS_USER,
    pass: config.NATS_PASSWORD,
    token: config.NATS_TOKEN,
    creds: config.NATS_CREDS,
    nkey: config.NATS_NKEY,
    tls: { ca: config.NATS_TLS_CA, cert: config.NATS_TLS_CERT, key: config.NATS_TLS_KEY },
  });
}
