import type { MailLogEvent } from '@mta/shared';

export interface PolicyConfig {
  // Failed logins within the window that ban an address.
  authFailures: number;
  // Refusals (postscreen verdicts, 5xx rejects, rate limits) within the window that ban an address; also the number
  // of distinct unknown recipients that ban a client none of whose recipients was accepted (a harvest).
  rejects: number;
  windowMs: number;
}

export interface Offence {
  ip: string;
  kind: 'auth' | 'abuse' | 'harvest';
  // What a log reader and `mta guard ls` show: "5 failed logins within 10 min, last: failed login (submission)".
  reason: string;
}

// How much one event counts towards a ban; a pregreet (talking before the greeting) is a bot's signature and bans at
// once. Not abuse: a hangup or a 4xx (often a legitimate client's), a message too large, and an unknown recipient
// (mailing lists keep stale addresses; those count only towards a harvest, see Tally).
export function weigh(e: MailLogEvent, c: PolicyConfig): { kind: 'auth' | 'abuse'; weight: number; what: string } | undefined {
  switch (e.kind) {
    case 'auth-failed':
      return { kind: 'auth', weight: e.count, what: `failed login (${e.service})` };
    case 'postscreen':
      if (e.test === 'pregreet') return { kind: 'abuse', weight: c.rejects, what: 'talked before the greeting' };
      if (e.test === 'dnsbl' || e.test === 'protocol') return { kind: 'abuse', weight: 1, what: `postscreen ${e.test}` };
      return undefined;
    case 'reject':
      return e.code >= 500 && e.reason !== 'size' && e.reason !== 'unknown-recipient'
        ? { kind: 'abuse', weight: 1, what: `${e.reason} reject` }
        : undefined;
    case 'rate-limit':
      return { kind: 'abuse', weight: 1, what: `${e.limit} limit` };
    default:
      return undefined;
  }
}

// What one address did within the window: offence times, the distinct unknown recipients it was refused (opaque keys,
// at most `rejects` of them) and when a recipient of it was last accepted.
interface Track {
  auth: number[];
  abuse: number[];
  unknown: Map<string, number>;
  accepted: number;
  last: string;
}

// Keeps at most this many addresses in memory: a botnet sweep must not grow the sidecar without bound.
const MAX_TRACKED = 50_000;

// A short, cheap fingerprint of a refused recipient (the reject's text): only whether two are the same matters.
function fingerprint(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(36)}:${s.length}`;
}

// Counts offences per address in a sliding window; returns the offence that crosses a threshold.
export class Tally {
  private readonly tracks = new Map<string, Track>();
  constructor(private readonly c: PolicyConfig) {}

  get size(): number {
    return this.tracks.size;
  }

  record(ip: string, e: MailLogEvent, now: number): Offence | undefined {
    if (e.kind === 'received') {
      this.track(ip, now).accepted = now;
      return undefined;
    }
    if (e.kind === 'disconnect') return this.sessionEnded(ip, e.rcptAccepted, now);
    if (e.kind === 'reject' && e.reason === 'unknown-recipient' && e.code >= 500) {
      this.unknownRecipient(ip, e.key, now);
      return undefined;
    }
    const w = weigh(e, this.c);
    if (!w) return undefined;
    const t = this.track(ip, now);
    const list = t[w.kind];
    const limit = w.kind === 'auth' ? this.c.authFailures : this.c.rejects;
    const from = now - this.c.windowMs;
    while (list.length && (list[0] as number) < from) list.shift();
    for (let i = 0; i < w.weight && list.length < limit; i++) list.push(now);
    t.last = w.what;
    if (list.length < limit) return undefined;
    this.tracks.delete(ip);
    const reason =
      w.kind === 'auth'
        ? `${limit} failed logins within ${this.minutes} min, last: ${w.what}`
        : w.weight >= limit
          ? w.what
          : `${limit} refusals within ${this.minutes} min, last: ${w.what}`;
    return { ip, kind: w.kind, reason };
  }

  private get minutes(): number {
    return Math.max(1, Math.round(this.c.windowMs / 60_000));
  }

  // The address's track, made most recently used (Map order is recency order).
  private track(ip: string, now: number): Track {
    let t = this.tracks.get(ip);
    if (!t) {
      if (this.tracks.size >= MAX_TRACKED) this.prune(now, true);
      t = { auth: [], abuse: [], unknown: new Map(), accepted: Number.NEGATIVE_INFINITY, last: '' };
    } else this.tracks.delete(ip);
    this.tracks.set(ip, t);
    return t;
  }

  private unknownRecipient(ip: string, key: string, now: number): void {
    const t = this.track(ip, now);
    if (t.accepted >= now - this.c.windowMs) return;
    const fp = fingerprint(key);
    t.unknown.delete(fp);
    t.unknown.set(fp, now);
    for (const [k, at] of t.unknown) if (at < now - this.c.windowMs || t.unknown.size > this.c.rejects) t.unknown.delete(k);
  }

  // Unknown recipients are judged when the session ends, with all it offered: a client that had any recipient
  // accepted within the window (this session or an earlier one) is a server with stale addresses, not a harvester.
  private sessionEnded(ip: string, accepted: number, now: number): Offence | undefined {
    const t = this.tracks.get(ip);
    if (accepted > 0) {
      const mine = this.track(ip, now);
      mine.accepted = now;
      mine.unknown.clear();
      return undefined;
    }
    if (!t || t.accepted >= now - this.c.windowMs) return undefined;
    const from = now - this.c.windowMs;
    for (const [k, at] of t.unknown) if (at < from) t.unknown.delete(k);
    if (t.unknown.size < this.c.rejects) return undefined;
    this.tracks.delete(ip);
    return { ip, kind: 'harvest', reason: `${t.unknown.size} unknown recipients within ${this.minutes} min, none accepted` };
  }

  // Forgets addresses with nothing in the window; with `force`, also the least recently seen tenth.
  prune(now: number, force = false): void {
    const from = now - this.c.windowMs;
    for (const [ip, t] of this.tracks) {
      let lastUnknown = 0;
      for (const at of t.unknown.values()) lastUnknown = Math.max(lastUnknown, at);
      if ((t.auth.at(-1) ?? 0) < from && (t.abuse.at(-1) ?? 0) < from && lastUnknown < from && t.accepted < from) this.tracks.delete(ip);
    }
    if (!force || this.tracks.size < MAX_TRACKED) return;
    let drop = Math.ceil(MAX_TRACKED / 10);
    for (const ip of this.tracks.keys()) {
      if (drop-- <= 0) break;
      this.tracks.delete(ip);
    }
  }
}
