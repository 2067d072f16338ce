// An MTA-STS policy (RFC 8461 §3.2), parsed strictly: what postfix is told comes only from a policy that parsed whole.
export const STS_MODES = ['enforce', 'testing', 'none'] as const;
export type StsMode = (typeof STS_MODES)[number];

export interface StsPolicy {
  mode: StsMode;
  // Seconds, at most a year (RFC 8461: 31557600).
  maxAge: number;
  // Host names or "*." wildcards (one left-most label), lower case.
  mx: string[];
}

export const MAX_AGE_LIMIT = 31_557_600;
// RFC 8461 §3.3: a policy body larger than 64 KiB is refused.
export const POLICY_MAX_BYTES = 64 * 1024;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
export const isHostName = (s: string): boolean => s.length <= 253 && s.split('.').length >= 2 && s.split('.').every((l) => LABEL.test(l));
export const isMxPattern = (p: string): boolean => isHostName(p.startsWith('*.') ? p.slice(2) : p);

export type PolicyParse = { ok: true; policy: StsPolicy } | { ok: false; reason: string };

// key ":" value lines (CRLF or LF); unknown keys are ignored, a repeated key other than mx keeps its first value.
export function parsePolicy(text: string): PolicyParse {
  const fields = new Map<string, string>();
  const mx: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const m = /^([A-Za-z0-9_]+)[ \t]*:[ \t]*(.*?)[ \t]*$/.exec(raw);
    if (!m?.[1]) return { ok: false, reason: 'a line is not "key: value"' };
    const key = m[1];
    const value = m[2] ?? '';
    if (key === 'mx') mx.push(value.toLowerCase());
    else if (!fields.has(key)) fields.set(key, value);
  }
  if (fields.get('version') !== 'STSv1') return { ok: false, reason: 'version is not STSv1' };
  const mode = fields.get('mode');
  if (!(STS_MODES as readonly string[]).includes(mode ?? '')) return { ok: false, reason: 'mode is not enforce, testing or none' };
  const age = fields.get('max_age') ?? '';
  if (!/^\d{1,10}$/.test(age)) return { ok: false, reason: 'max_age is not a number of seconds' };
  const bad = mx.find((p) => !isMxPattern(p));
  if (bad !== undefined) return { ok: false, reason: 'an mx pattern is not a host name' };
  if (mode !== 'none' && !mx.length) return { ok: false, reason: 'no mx pattern' };
  return { ok: true, policy: { mode: mode as StsMode, maxAge: Math.min(Number(age), MAX_AGE_LIMIT), mx: [...new Set(mx)] } };
}

// Whether an MX host name matches a policy pattern: exactly, or "*.d" for one label more than d (RFC 8461 §4.1).
export function mxMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!pattern.startsWith('*.')) return h === pattern;
  const rest = pattern.slice(1);
  return h.endsWith(rest) && !h.slice(0, -rest.length).includes('.') && h.length > rest.length;
}

// The text of a policy, as we publish it (and as a fleet entry carries it).
export function formatPolicy(p: StsPolicy): string {
  return ['version: STSv1', `mode: ${p.mode}`, ...p.mx.map((m) => `mx: ${m}`), `max_age: ${p.maxAge}`, ''].join('\r\n');
}

// Stronger modes protect more; the fleet never lets an entry weaken what this node holds (see fleet.ts).
export const modeRank = (m: StsMode): number => STS_MODES.length - 1 - STS_MODES.indexOf(m);
