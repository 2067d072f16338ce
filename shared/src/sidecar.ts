import { Bus } from './bus.ts';
import { type Config, formatIssue, parseEnv, type RawEnv, secretValues } from './env/index.ts';
import { ErrorCode, MtaError } from './errors.ts';
import { type Lifecycle, lifecycle } from './lifecycle.ts';
import { createLogger, type Logger } from './log.ts';

export interface SidecarContext {
  config: Config;
  env: RawEnv;
  log: Logger;
  bus: Bus;
  life: Lifecycle;
}

// Common start of every sidecar: parse env (all errors at once), logger, bus, signal handling.
export function startSidecar(name: string, env: RawEnv = process.env): SidecarContext {
  restoreGlibcTunables();
  const parsed = parseEnv(env);
  if (!parsed.ok) {
    const log = createLogger({ sidecar: name, node: env.MTA_NODE ?? env.HOSTNAME ?? 'unknown', secrets: secretValues(env) });
    log.fatal({ event: 'config.invalid', errors: parsed.errors.map(formatIssue) }, 'invalid configuration');
    throw new MtaError(ErrorCode.Config, 'invalid configuration', { details: parsed.errors.map(formatIssue) });
  }
  const { config } = parsed;
  const log = createLogger({
    sidecar: name,
    node: config.MTA_NODE,
    syslogLevel: config.SYSLOG_LEVEL,
    secrets: secretValues(parsed.env),
  });
  const life = lifecycle({ log });
  const bus = startBus(config, `mta-${name}@${config.MTA_NODE}`, log);
  life.onShutdown(() => bus.close());
  return { config, env: parsed.env, log, bus, life };
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
export function startBus(config: Config, connectionName: string, log?: Logger): Bus {
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
