import { normalizeIp } from '@mta/shared';

// One banned client address. `origin` says who decided it: this node's guard, the operator (mta guard ban), or
// another node of the fleet (then `node` names it).
export interface Ban {
  ip: string;
  since: string;
  until: string;
  reason: string;
  origin: 'guard' | 'operator' | 'fleet';
  node: string;
}

// Longest ban anyone may set (operator, fleet entry): a year, as GUARD_BAN_TIME's bound.
export const MAX_BAN_MS = 365 * 86_400_000;
const MAX_REASON = 200;

// A ban read from disk or from the fleet, checked field by field; undefined when anything is off.
export function parseBan(raw: unknown, now = Date.now()): Ban | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const ip = typeof r.ip === 'string' ? normalizeIp(r.ip) : undefined;
  const since = typeof r.since === 'string' ? Date.parse(r.since) : Number.NaN;
  const until = typeof r.until === 'string' ? Date.parse(r.until) : Number.NaN;
  if (!ip || Number.isNaN(since) || Number.isNaN(until) || until > now + MAX_BAN_MS) return undefined;
  if (typeof r.reason !== 'string' || r.reason.length > MAX_REASON || /[\r\n]/.test(r.reason)) return undefined;
  if (r.origin !== 'guard' && r.origin !== 'operator' && r.origin !== 'fleet') return undefined;
  if (typeof r.node !== 'string' || !/^[\w.@-]{1,253}$/.test(r.node)) return undefined;
  return {
    ip,
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    reason: r.reason,
    origin: r.origin,
    node: r.node,
  };
}

export const isActive = (b: Ban, now = Date.now()): boolean => Date.parse(b.until) > now;
