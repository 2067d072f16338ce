import { type DestinationStream, type Logger, pino } from 'pino';
import { SECRET_VARS } from './env/schema.ts';

export type { Logger };

// SYSLOG_LEVEL (0 emerg … 7 debug) to pino: pino has no notice, so 5 and 6 both log info.
export function pinoLevel(syslogLevel: number): pino.Level {
  if (syslogLevel <= 2) return 'fatal';
  if (syslogLevel === 3) return 'error';
  if (syslogLevel === 4) return 'warn';
  if (syslogLevel <= 6) return 'info';
  return 'debug';
}

const PEM_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
const NATS_SEED = /SU[A-Z2-7]{40,}/g;
// Field names whose values are secrets wherever they occur in a log object: generic ones, and the secret variables
// as the env specs declare them (no second list of names).
const GENERIC_SECRET_FIELDS = [
  'password',
  'passwd',
  'pass',
  'pw',
  'secret',
  'token',
  'privateKey',
  'private_key',
  'key',
  'keyPem',
  'creds',
  'authorization',
];
const REDACT_KEYS = new RegExp(`^(${[...GENERIC_SECRET_FIELDS, ...SECRET_VARS].join('|')})$`, 'i');

// Replaces key material and every registered secret value inside a string.
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(PEM_KEY, '[redacted key]').replace(NATS_SEED, '[redacted seed]');
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}

function scrubDeep(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrub(value, secrets);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, secrets, depth + 1));
  if (value instanceof Error)
    return scrubDeep(
      { type: value.name, message: value.message, code: (value as { code?: unknown }).code, stack: value.stack },
      secrets,
      depth + 1,
    );
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = REDACT_KEYS.test(k) && v ? '[redacted]' : scrubDeep(v, secrets, depth + 1);
  return out;
}

export interface LogOptions {
  sidecar: string;
  node: string;
  syslogLevel?: number;
  // Values that must never be printed (secret env values); scrubbed from messages and fields.
  secrets?: readonly string[];
  destination?: DestinationStream;
}

// The one logger factory: JSON on stdout, `sidecar` and `node` on every line, secrets scrubbed before serialisation.
export function createLogger(opts: LogOptions): Logger {
  const secrets = [...(opts.secrets ?? [])].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  const logger = pino(
    {
      level: pinoLevel(opts.syslogLevel ?? 5),
      base: { sidecar: opts.sidecar, node: opts.node },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => scrubDeep(obj, secrets) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((a) => (typeof a === 'string' ? scrub(a, secrets) : a)) as Parameters<typeof method>;
          method.apply(this, clean);
        },
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return logger;
}
