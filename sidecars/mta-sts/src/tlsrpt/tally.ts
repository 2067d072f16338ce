import {
  type Attempt,
  domainName,
  type Failure,
  ip,
  LIMITS,
  mxPattern,
  type Policy,
  type PolicyType,
  resultTypes,
  text,
} from './datagram.ts';

// The day's counts of one recipient domain (d) and policy: sessions that succeeded and failed, and the failures by
// what they had in common (RFC 8460 §4.3 failure-details).
export interface TallyEntry {
  d: string;
  policy: Policy;
  ok: number;
  fail: number;
  details: (Failure & { n: number })[];
}

// Past these a batch or a day holds no more distinct destinations or failure kinds (a flood of attempts to made-up
// domains must not grow memory, /srv or a fleet entry without end); sessions of the ones it has still count.
export const MAX_ENTRIES = 5_000;
export const MAX_DETAILS = 100;

const policyKey = (d: string, p: Policy) => JSON.stringify([d, p.type, p.domain, p.strings, p.mx]);
const detailKey = (f: Failure) => JSON.stringify([f.result, f.sendingIp, f.mxHost, f.helo, f.receivingIp, f.info, f.code]);

export class Tally {
  private readonly m = new Map<string, { e: TallyEntry; details: Map<string, Failure & { n: number }> }>();
  dropped = 0;

  get size(): number {
    return this.m.size;
  }

  private slot(d: string, policy: Policy) {
    const key = policyKey(d, policy);
    let s = this.m.get(key);
    if (!s) {
      if (this.m.size >= MAX_ENTRIES) return undefined;
      s = { e: { d, policy, ok: 0, fail: 0, details: [] }, details: new Map() };
      this.m.set(key, s);
    }
    return s;
  }

  private detail(s: { details: Map<string, Failure & { n: number }> }, f: Failure, n: number): void {
    const key = detailKey(f);
    const had = s.details.get(key);
    if (had) had.n += n;
    else if (s.details.size < MAX_DETAILS) s.details.set(key, { ...f, n });
  }

  add(a: Attempt): void {
    for (const r of a.results) {
      const s = this.slot(a.domain, r.policy);
      if (!s) {
        this.dropped++;
        continue;
      }
      if (r.ok) s.e.ok++;
      else s.e.fail++;
      for (const f of r.failures) this.detail(s, f, 1);
    }
  }

  merge(entries: readonly TallyEntry[]): void {
    for (const e of entries) {
      const s = this.slot(e.d, e.policy);
      if (!s) {
        this.dropped++;
        continue;
      }
      s.e.ok += e.ok;
      s.e.fail += e.fail;
      for (const { n, ...f } of e.details) this.detail(s, f, n);
    }
  }

  entries(): TallyEntry[] {
    return [...this.m.values()].map((s) => ({ ...s.e, details: [...s.details.values()] }));
  }
}

const count = (v: unknown): number | undefined => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : undefined);
const RESULTS = new Set(resultTypes());
const TYPES = new Set<string>(['tlsa', 'sts', 'no-policy-found']);

function checkPolicy(v: unknown): Policy | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p = v as Record<string, unknown>;
  const domain = domainName(p.domain);
  if (typeof p.type !== 'string' || !TYPES.has(p.type) || !domain || !Array.isArray(p.strings) || !Array.isArray(p.mx)) return undefined;
  const strings = p.strings.slice(0, LIMITS.strings).map((x) => text(x, LIMITS.policyString));
  const mx = p.mx.slice(0, LIMITS.mx).map(mxPattern);
  if (strings.some((x) => x === undefined) || mx.some((x) => x === undefined)) return undefined;
  return { type: p.type as PolicyType, domain, strings: strings as string[], mx: mx as string[] };
}

function checkDetail(v: unknown): (Failure & { n: number }) | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const n = count(r.n);
  if (typeof r.result !== 'string' || !RESULTS.has(r.result) || !n) return undefined;
  const f: Failure & { n: number } = { result: r.result, n };
  const fields: [keyof Failure, unknown, (x: unknown) => string | undefined][] = [
    ['sendingIp', r.sendingIp, ip],
    ['mxHost', r.mxHost, domainName],
    ['helo', r.helo, (x) => text(x)],
    ['receivingIp', r.receivingIp, ip],
    ['info', r.info, (x) => text(x)],
    ['code', r.code, (x) => text(x)],
  ];
  for (const [k, x, check] of fields) {
    if (x === undefined) continue;
    const c = check(x);
    if (c === undefined) return undefined;
    f[k] = c;
  }
  return f;
}

// Entries read back from /srv or from another node's fleet entry: every field checked as a datagram's is; an entry
// with anything out of shape is dropped whole (counted).
export function entriesFromJson(data: unknown): { entries: TallyEntry[]; dropped: number } {
  if (!Array.isArray(data)) return { entries: [], dropped: 1 };
  const entries: TallyEntry[] = [];
  let dropped = 0;
  for (const v of data.slice(0, MAX_ENTRIES)) {
    const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    const d = domainName(r.d);
    const policy = checkPolicy(r.policy);
    const ok = count(r.ok);
    const fail = count(r.fail);
    const details = Array.isArray(r.details) ? r.details.slice(0, MAX_DETAILS).map(checkDetail) : [undefined];
    if (!d || !policy || ok === undefined || fail === undefined || details.some((x) => !x)) {
      dropped++;
      continue;
    }
    entries.push({ d, policy, ok, fail, details: details as (Failure & { n: number })[] });
  }
  return { entries, dropped: dropped + Math.max(0, data.length - MAX_ENTRIES) };
}
