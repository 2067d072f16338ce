import type { MailLogEvent } from '@mta/shared';

export interface PolicyConfig {
  // Failed logins within the window that ban an address.
  authFailures: number;
  // Refusals (postscreen verdicts, 5xx rejects, rate limits) within the window that ban an address.
  rejects: number;
  windowMs: number;
}

export interface Offence {
  ip: string;
  kind: 'auth' | 'abuse';
  // What a log reader and `mta guard ls` show: "5 failed logins in 10 min (submission)".
  reason: string;
}

// How much one event counts towards a ban; a pregreet (talking before the greeting) is a bot's signature and
// bans at once. Denylist hits are already banned; a hangup or a 4xx is often a legitimate client's.
export function weigh(e: MailLogEvent, c: PolicyConfig): { kind: 'auth' | 'abuse'; weight: number; what: string } | undefined {
  switch (e.kind) {
    case 'auth-failed':
      return { kind: 'auth', weight: e.count, what: `failed login (${e.service})` };
    case 'postscreen':
      if (e.test === 'pregreet') return { kind: 'abuse', weight: c.rejects, what: 'talked before the greeting' };
      if (e.test === 'dnsbl' || e.test === 'protocol') return { kind: 'abuse', weight: 1, what: `postscreen ${e.test}` };
      return undefined;
    case 'reject':
      return e.code >= 500 && e.reason !== 'size' ? { kind: 'abuse', weight: 1, what: `${e.reason} reject` } : undefined;
    case 'rate-limit':
      return { kind: 'abuse', weight: 1, what: `${e.limit} limit` };
    default:
      return undefined;
  }
}

// The offences of one address within the window (timestamps with their weight), bounded in size.
interface Track {
  auth: number[];
  abuse: number[];
  last: string;
}

// Keeps at most this many addresses in memory: a botnet sweep must not grow the sidecar without bound.
const MAX_TRACKED = 50_000;

// Counts offences per address in a sliding window; returns the offence that crosses a threshold.
export class Tally {
  private readonly tracks = new Map<string, Track>();
  constructor(private readonly c: PolicyConfig) {}

  get size(): number {
    return this.tracks.size;
  }

  record(ip: string, e: MailLogEvent, now: number): Offence | undefined {
    const w = weigh(e, this.c);
    if (!w) return undefined;
    let t = this.tracks.get(ip);
    if (!t) {
      if (this.tracks.size >= MAX_TRACKED) this.prune(now, true);
      t = { auth: [], abuse: [], last: '' };
    } else this.tracks.delete(ip); // re-inserted below: Map order is recency order
    this.tracks.set(ip, t);
    const list = t[w.kind];
    const limit = w.kind === 'auth' ? this.c.authFailures : this.c.rejects;
    const from = now - this.c.windowMs;
    while (list.length && (list[0] as number) < from) list.shift();
    for (let i = 0; i < w.weight && list.length < limit; i++) list.push(now);
    t.last = w.what;
    if (list.length < limit) return undefined;
    this.tracks.delete(ip);
    const minutes = Math.max(1, Math.round(this.c.windowMs / 60_000));
    const reason =
      w.kind === 'auth'
        ? `${limit} failed logins within ${minutes} min, last: ${w.what}`
        : w.weight >= limit
          ? w.what
          : `${limit} refusals within ${minutes} min, last: ${w.what}`;
    return { ip, kind: w.kind, reason };
  }

  // Forgets addresses with nothing in the window; with `force`, also the least recently seen tenth.
  prune(now: number, force = false): void {
    const from = now - this.c.windowMs;
    for (const [ip, t] of this.tracks) if ((t.auth.at(-1) ?? 0) < from && (t.abuse.at(-1) ?? 0) < from) this.tracks.delete(ip);
    if (!force || this.tracks.size < MAX_TRACKED) return;
    let drop = Math.ceil(MAX_TRACKED / 10);
    for (const ip of this.tracks.keys()) {
      if (drop-- <= 0) break;
      this.tracks.delete(ip);
    }
  }
}
