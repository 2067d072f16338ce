import * as z from 'zod/mini';

// A failed check: the message names the value (never for secrets) and what was expected.
export class Invalid {
  constructor(readonly message: string) {}
}
export const invalid = (message: string): Invalid => new Invalid(message);

// A value the seed accepted, taken at its nearest meaning here: parseEnv unwraps it and reports the warning.
export class Mapped<T> {
  constructor(
    readonly value: T,
    readonly warning: string,
  ) {}
}
export const mapped = <T>(value: T, warning: string): Mapped<T> => new Mapped(value, warning);

// Wraps a plain checker function as a zod string schema that reports our own messages. zod/mini: the same checks
// at a fraction of the memory (every sidecar parses the environment; classic v4 costs ~20 MB, v3 ~4, mini ~1.5).
// A Mapped result passes through as it is (typed as its value): only parseEnv reads schemas, and it unwraps it.
export function check<T>(fn: (raw: string) => T | Mapped<T> | Invalid): EnvSchema<T> {
  return z.pipe(
    z.string(),
    z.transform((raw: string, ctx) => {
      const out = fn(raw);
      if (!(out instanceof Invalid)) return out as T;
      ctx.issues.push({ code: 'custom', message: out.message, input: raw });
      return z.NEVER;
    }),
  );
}

// What a variable's schema is: a raw string in, the typed value out.
export type EnvSchema<T> = z.ZodMiniType<T, string>;

export const q = (raw: string): string => JSON.stringify(raw);
export const words = (raw: string): string[] => raw.split(/\s+/).filter(Boolean);

export const text = check((raw) => raw);

export function integer(min: number, max: number, what = 'an integer') {
  return check((raw) => {
    const t = raw.trim();
    if (!/^-?\d+$/.test(t)) return invalid(`${q(raw)} is not ${what}`);
    const n = Number(t);
    if (n < min || n > max) return invalid(`${q(raw)} must be ${what} from ${min} to ${max}`);
    return n;
  });
}

// A log level from `min` to `max`. Integers up to `limit` that the seed passed on to a daemon which logs nothing more
// above `max` are taken as `max` with a warning; anything else is an error.
export function level(min: number, max: number, limit: number, why: string) {
  return check((raw) => {
    const t = raw.trim();
    const n = Number(t);
    if (!/^\d+$/.test(t) || n < min || n > limit) return invalid(`${q(raw)} must be an integer from ${min} to ${max}`);
    return n > max ? mapped(max, `${t} is taken as ${max}: ${why}`) : n;
  });
}

export const decimal = check((raw) => {
  const t = raw.trim();
  if (!/^-?\d+(\.\d+)?$/.test(t)) return invalid(`${q(raw)} is not a number (e.g. 6.2)`);
  return Number(t);
});

export const yesNo = check((raw) => {
  const t = raw.trim().toLowerCase();
  if (['yes', 'true', '1', 'on'].includes(t)) return true;
  if (['no', 'false', '0', 'off'].includes(t)) return false;
  return invalid(`${q(raw)} is not yes or no`);
});

export function oneOf<const T extends string>(values: readonly T[]) {
  return check((raw) => {
    const t = raw.trim() as T;
    return values.includes(t) ? t : invalid(`${q(raw)} is not one of ${values.join(', ')}`);
  });
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
export const isDomain = (s: string): boolean => s.length <= 253 && s.includes('.') && s.split('.').every((l) => LABEL.test(l));
export const isDnsLabel = (s: string): boolean => LABEL.test(s);
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
// A list of many addresses names few domains: each is checked once (a bounded memo, emptied when full).
const domainChecked = new Map<string, boolean>();
function knownDomain(d: string): boolean {
  let ok = domainChecked.get(d);
  if (ok === undefined) {
    if (domainChecked.size >= 1024) domainChecked.clear();
    domainChecked.set(d, (ok = isDomain(d)));
  }
  return ok;
}
export const isEmail = (s: string): boolean => {
  const at = s.lastIndexOf('@');
  return at > 0 && LOCAL.test(s.slice(0, at)) && knownDomain(s.slice(at + 1));
};
export const isLocalPart = (s: string): boolean => LOCAL.test(s);

// "host", "host:port" or "[host]:port"; ports 1-65535.
export function parseHostPort(raw: string): { host: string; port?: number } | undefined {
  const m = /^(\[[^\]]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(raw.trim());
  if (!m?.[1]) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return port === undefined ? { host: m[1] } : { host: m[1], port };
}

// host or host:port, kept as written (the renderers put it into postfix and dovecot settings as it is).
export const hostPort = check((raw) => (parseHostPort(raw) ? raw.trim() : invalid(`${q(raw)} is not host or host:port`)));

export const domainList = check((raw) => {
  const list = words(raw.replace(/,/g, ' ').toLowerCase());
  const bad = list.filter((d) => !isDomain(d));
  if (bad.length) return invalid(`${bad.map(q).join(', ')} ${bad.length > 1 ? 'are not domain names' : 'is not a domain name'}`);
  if (!list.length) return invalid('no domain given (expected e.g. "example.com")');
  return [...new Set(list)];
});

// Strips armour and whitespace so single-line, armoured, PKCS#1 and PKCS#8 inputs all parse.
export function normalizePrivateKey(raw: string): string | undefined {
  const body = raw
    .replace(/\\n/g, '\n')
    .replace(/-----(BEGIN|END) [A-Z ]*PRIVATE KEY-----/g, '')
    .replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) return undefined;
  const der = Buffer.from(body, 'base64');
  for (const type of ['pkcs1', 'pkcs8'] as const) {
    try {
      // node:crypto is loaded only when a key is given: it costs every sidecar ~3 MB of memory otherwise.
      const key = process.getBuiltinModule('node:crypto').createPrivateKey({ key: der, format: 'der', type });
      if (key.asymmetricKeyType !== 'rsa') return undefined;
      return key.export({ format: 'pem', type: 'pkcs1' }).toString();
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}
