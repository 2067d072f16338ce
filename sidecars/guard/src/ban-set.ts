import { GUARD_DENY_SHARD_DIGITS } from '@mta/shared';
import type { Ban } from './ban.ts';
import { type DenyEntry, denyKey, shardOf } from './tables/index.ts';

// The bans in force, in memory: by address, by dovecot shard (a shard is rewritten from its own bans only), and in a
// min-heap by end (the next expiry without a scan). Every operation costs O(log n) at most, none grows with a scan
// of all bans. The heap is two parallel arrays (each end as an unboxed double, the ban it belongs to) rather than an
// object per entry: 64 bytes less per ban, 6 MB of the guard's heap at 100,000 bans.
export class BanSet {
  private readonly byIp = new Map<string, Ban>();
  // dovecot's key of each address (MD5), computed once.
  private readonly byShard = new Map<string, Map<string, string>>();
  private ends: number[] = [];
  private bans: Ban[] = [];

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
    if (prev?.until !== ban.until) this.push(Date.parse(ban.until), ban);
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
      const top = this.bans[0];
      if (!top) return undefined;
      if (this.byIp.get(top.ip)?.until === top.until) return this.ends[0];
      this.pop();
    }
  }

  // The bans that ended by `now` (still in the set: the caller removes each with its file).
  due(now: number): Ban[] {
    const out = new Map<string, Ban>();
    for (let at = this.next(); at !== undefined && at <= now; at = this.next()) {
      const top = this.pop() as Ban;
      out.set(top.ip, this.byIp.get(top.ip) as Ban);
    }
    return [...out.values()];
  }

  private push(at: number, ban: Ban): void {
    // Stale entries pile up when bans are lifted or extended: past twice the live count, start over.
    if (this.bans.length > 2 * this.byIp.size + 1024) {
      const live = [...this.byIp.values()].map((b) => ({ at: Date.parse(b.until), b })).sort((x, y) => x.at - y.at);
      this.ends = live.map((e) => e.at);
      this.bans = live.map((e) => e.b);
      if (this.byIp.get(ban.ip)?.until === ban.until) return;
    }
    const { ends, bans } = this;
    ends.push(at);
    bans.push(ban);
    for (let i = ends.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if ((ends[p] as number) <= (ends[i] as number)) break;
      this.swap(p, i);
      i = p;
    }
  }

  private pop(): Ban | undefined {
    const { ends, bans } = this;
    const top = bans[0];
    const lastAt = ends.pop();
    const last = bans.pop();
    if (!bans.length || !last || lastAt === undefined) return top;
    ends[0] = lastAt;
    bans[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < ends.length && (ends[l] as number) < (ends[m] as number)) m = l;
      if (r < ends.length && (ends[r] as number) < (ends[m] as number)) m = r;
      if (m === i) break;
      this.swap(m, i);
      i = m;
    }
    return top;
  }

  private swap(a: number, b: number): void {
    const { ends, bans } = this;
    const at = ends[a] as number;
    const ban = bans[a] as Ban;
    ends[a] = ends[b] as number;
    bans[a] = bans[b] as Ban;
    ends[b] = at;
    bans[b] = ban;
  }
}
