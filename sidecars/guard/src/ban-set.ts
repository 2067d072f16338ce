import { GUARD_DENY_SHARD_DIGITS } from '@mta/shared';
import type { Ban } from './ban.ts';
import { type DenyEntry, denyKey, shardOf } from './tables/index.ts';

interface Due {
  at: number;
  ip: string;
  until: string;
}

// The bans in force, in memory: by address, by dovecot shard (a shard is rewritten from its own bans only), and in a
// min-heap by end (the next expiry without a scan). Every operation costs O(log n) at most, none grows with a scan
// of all bans.
export class BanSet {
  private readonly byIp = new Map<string, Ban>();
  // dovecot's key of each address (MD5), computed once.
  private readonly byShard = new Map<string, Map<string, string>>();
  private heap: Due[] = [];

  constructor(private readonly shards: boolean) {}

  get size(): number {
    return this.byIp.size;
  }
  get(ip: string): Ban | undefined {
    return this.byIp.get(ip);
  }
  has(ip: string): boolean {
    return this.byIp.has(ip);
  }
  values(): Ban[] {
    return [...this.byIp.values()];
  }

  set(ban: Ban): void {
    const prev = this.byIp.get(ban.ip);
    if (this.shards && !prev) {
      const key = denyKey(ban.ip);
      const s = key.slice(0, GUARD_DENY_SHARD_DIGITS);
      (this.byShard.get(s) ?? this.byShard.set(s, new Map()).get(s)!).set(ban.ip, key);
    }
    this.byIp.set(ban.ip, ban);
    if (prev?.until !== ban.until) this.push({ at: Date.parse(ban.until), ip: ban.ip, until: ban.until });
  }

  delete(ip: string): Ban | undefined {
    const b = this.byIp.get(ip);
    if (!b) return undefined;
    this.byIp.delete(ip);
    if (this.shards) this.byShard.get(shardOf(ip))?.delete(ip);
    return b;
  }

  // The entries of one dovecot shard.
  shard(name: string): DenyEntry[] {
    return [...(this.byShard.get(name) ?? [])].map(([ip, key]) => ({ ip, key, until: (this.byIp.get(ip) as Ban).until }));
  }

  // When the next ban ends (heap entries of bans since lifted or extended are dropped on the way).
  next(): number | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      if (this.byIp.get(top.ip)?.until === top.until) return top.at;
      this.pop();
    }
  }

  // The bans that ended by `now` (still in the set: the caller removes each with its file).
  due(now: number): Ban[] {
    const out = new Map<string, Ban>();
    for (let at = this.next(); at !== undefined && at <= now; at = this.next()) {
      const top = this.pop() as Due;
      out.set(top.ip, this.byIp.get(top.ip) as Ban);
    }
    return [...out.values()];
  }

  private push(d: Due): void {
    // Stale entries pile up when bans are lifted or extended: past twice the live count, start over.
    if (this.heap.length > 2 * this.byIp.size + 1024) {
      this.heap = [...this.byIp.values()].map((b) => ({ at: Date.parse(b.until), ip: b.ip, until: b.until }));
      this.heap.sort((a, b) => a.at - b.at);
      if (this.byIp.get(d.ip)?.until === d.until) return;
    }
    const h = this.heap;
    h.push(d);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if ((h[p] as Due).at <= (h[i] as Due).at) break;
      [h[p], h[i]] = [h[i] as Due, h[p] as Due];
      i = p;
    }
  }

  private pop(): Due | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (!h.length || !last) return top;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && (h[l] as Due).at < (h[m] as Due).at) m = l;
      if (r < h.length && (h[r] as Due).at < (h[m] as Due).at) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i] as Due, h[m] as Due];
      i = m;
    }
    return top;
  }
}
