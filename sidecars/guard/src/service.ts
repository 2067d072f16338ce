import type { Bus, Logger, MailLogEvent, MtaPaths, NetworkSet } from '@mta/shared';
import { coalesce, normalizeIp } from '@mta/shared';
import { type Ban, isActive, MAX_BAN_MS } from './ban.ts';
import { BanSet } from './ban-set.ts';
import { BanCaps, type CapConfig, type CapReport, CapReporter } from './caps.ts';
import { type PolicyConfig, Tally } from './policy.ts';
import type { BanStore } from './store.ts';
import { BanTables, postfixTablePresent } from './tables/index.ts';

export interface GuardOptions {
  paths: MtaPaths;
  store: BanStore;
  policy: PolicyConfig;
  caps: CapConfig;
  banMs: number;
  protect: NetworkSet;
  node: string;
  // Whether this variant has dovecot (its deny passdb is written too).
  dovecot: boolean;
  log: Logger;
  bus?: Bus;
  now?: () => number;
  // After every applied change of the ban set: what was added (or extended) and what was lifted before its time.
  onChange?: (added: readonly Ban[], lifted: readonly Ban[]) => void;
}

const BANNED_SUBJECT = 'mta.guard.banned';
const UNBANNED_SUBJECT = 'mta.guard.unbanned';
const CAPPED_SUBJECT = 'mta.guard.capped';

type Announce = { ban: Ban; what: 'banned' | 'lifted' | 'expired' };

// setTimeout's longest delay; a later expiry is re-armed when the timer fires.
const MAX_TIMER_MS = 2_147_000_000;
// A failed table update is retried this long after (by rebuilding both tables from the bans in memory).
const RETRY_MS = 5000;
// How often fleet bans that wait for the per-minute cap are tried again.
const DRAIN_MS = 5000;

// The guard's state machine. Log events -> offences -> bans; bans arrive also from the fleet and from ban files
// written by `mta guard` (the watcher hands each changed file name in). Decisions change memory at once; each
// batch then puts the touched addresses into the daemons' tables (only those: one ban costs the same with ten bans
// or a hundred thousand), writes or removes their ban files (the truth across restarts), and announces them.
export class GuardService {
  private readonly set: BanSet;
  private readonly tally: Tally;
  private readonly caps: BanCaps;
  private readonly reporter: CapReporter;
  private readonly tables: BanTables;
  private readonly now: () => number;
  // Table updates, file writes and announcements, batched: a change during one makes exactly one more.
  private readonly passes = coalesce(() => this.apply());
  private touched = new Set<string>();
  private announce: Announce[] = [];
  // Ban files this service is about to write or remove (memory is ahead of them): the watcher leaves them alone.
  private own = new Set<string>();
  private writing = new Set<string>();
  // The first pass builds both tables from nothing (and so does the pass after a failed update).
  private rebuild = true;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  // Fleet bans that came over the per-minute cap, oldest first.
  private readonly waiting = new Map<string, Ban>();
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: GuardOptions) {
    this.set = new BanSet(opts.dovecot);
    this.tally = new Tally(opts.policy);
    this.caps = new BanCaps(opts.caps);
    this.now = opts.now ?? Date.now;
    this.tables = new BanTables(opts.paths, opts.dovecot);
    this.reporter = new CapReporter((r) => this.reportCapped(r), this.now);
  }

  list(): Ban[] {
    return this.set.values();
  }

  // Reads every ban file (expired ones are removed) and rebuilds both tables; the bans found at start-up are not
  // announced again (they were when they began). Later, the full reconcile when the watcher may have lost track.
  // `lazy` (the service, started right after `mta-guard --once` built the tables from the same files): the rebuild
  // waits for the first change, unless a ban ended meanwhile or the tables are missing; an idle guard never starts a
  // process.
  async start(opts: { lazy?: boolean } = {}): Promise<void> {
    const now = this.now();
    let ended = false;
    const onDisk = await this.opts.store.list((f) =>
      this.opts.log.warn({ event: 'guard.bad_file', file: f }, `ignored unreadable ban file ${f}`),
    );
    const first = !this.started;
    this.started = true;
    // Bans in memory but no longer on disk are looked for only when memory held any before this read: at a first start
    // with 100,000 bans, a set of every address read (and the touched set below) were ~5 MB of the guard's peak.
    const earlier = this.set.size > 0;
    const seen = new Set<string>();
    for (const b of onDisk) {
      if (this.busy(b.ip)) {
        if (earlier) seen.add(b.ip);
        continue;
      }
      if (!isActive(b, now)) {
        await this.opts.store.remove(b.ip);
        ended = true;
        continue;
      }
      if (earlier) seen.add(b.ip);
      const mine = this.set.get(b.ip);
      if (mine?.until === b.until && mine.since === b.since) continue;
      this.set.set(b);
      // A pending rebuild puts every ban into the tables: touching each one would only grow the set it ignores.
      if (first) {
        if (!this.rebuild) this.touched.add(b.ip);
      } else this.change(b, 'banned');
    }
    if (earlier)
      for (const b of this.set.values())
        if (!seen.has(b.ip) && !this.busy(b.ip)) this.drop(b, isActive(b, now) ? 'lifted' : 'expired', false);
    if (first && this.set.size) this.opts.log.info({ event: 'guard.restored', bans: this.set.size }, `${this.set.size} ban(s) in force`);
    if (first && opts.lazy && !ended && postfixTablePresent(this.opts.paths)) this.arm();
    else await this.passes.run();
  }

  // A daemon's log event; returns the ban it caused, if any (once the tables and the ban file hold it).
  async onEvent(e: MailLogEvent): Promise<Ban | undefined> {
    if (!('ip' in e) || !e.ip) return undefined;
    const ip = normalizeIp(e.ip);
    if (!ip || this.set.has(ip) || this.opts.protect.has(ip)) return undefined;
    const now = this.now();
    const offence = this.tally.record(ip, e, now);
    if (!offence || !this.admit('guard')) return undefined;
    const ban: Ban = {
      ip,
      since: new Date(now).toISOString(),
      until: new Date(now + this.opts.banMs).toISOString(),
      reason: offence.reason,
      origin: 'guard',
      node: this.opts.node,
    };
    this.put(ban);
    await this.passes.run();
    return ban;
  }

  // A ban from another node: adopted unless the address is protected here, already banned at least as long, or a
  // cap is reached. An entry whose end has passed is a lift marker.
  // Over the per-minute cap it waits (`deferred`) and is taken in as the minutes allow: a node that joins a fleet
  // with many bans gets them all, a few hundred a minute. Over the total cap it is dropped.
  async adopt(ban: Ban): Promise<'adopted' | 'lifted' | 'ignored' | 'protected' | 'deferred' | 'capped'> {
    const r = this.decideAdopt(ban);
    if (r === 'adopted' || r === 'lifted') await this.passes.run();
    return r;
  }

  private decideAdopt(ban: Ban): 'adopted' | 'lifted' | 'ignored' | 'protected' | 'deferred' | 'capped' {
    const now = this.now();
    const mine = this.set.get(ban.ip);
    if (!isActive(ban, now)) {
      this.waiting.delete(ban.ip);
      if (!mine || Date.parse(ban.until) < Date.parse(mine.since)) return 'ignored';
      this.drop(mine, 'lifted');
      return 'lifted';
    }
    if (this.opts.protect.has(ban.ip)) return 'protected';
    if (mine && mine.until >= ban.until) return 'ignored';
    if (!mine) {
      const cap = this.caps.take(this.set.size, now);
      if (cap) {
        this.reporter.refused(cap, cap === 'total' ? this.caps.c.total : this.caps.c.perMinute, 'fleet');
        if (cap === 'total' || this.set.size + this.waiting.size >= this.caps.c.total) return 'capped';
        const queued = this.waiting.get(ban.ip);
        if (!queued || queued.until < ban.until) this.waiting.set(ban.ip, ban);
        this.scheduleDrain();
        return 'deferred';
      }
    }
    this.putFleet(ban, now);
    return 'adopted';
  }

  private putFleet(ban: Ban, now: number): void {
    const until = Math.min(Date.parse(ban.until), now + MAX_BAN_MS);
    this.put({ ...ban, origin: 'fleet', until: new Date(until).toISOString() });
  }

  // Takes in the fleet bans that waited for the per-minute cap, as many as it allows now (a timer; tests call it).
  async drainWaiting(): Promise<void> {
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    const now = this.now();
    let taken = false;
    for (const [ip, b] of this.waiting) {
      if (!isActive(b, now) || this.set.has(ip) || this.opts.protect.has(ip)) {
        this.waiting.delete(ip);
        continue;
      }
      if (this.caps.take(this.set.size, now)) break;
      this.waiting.delete(ip);
      this.putFleet(b, now);
      taken = true;
    }
    if (this.waiting.size) this.scheduleDrain();
    if (taken) await this.passes.run();
  }

  private scheduleDrain(): void {
    if (this.drainTimer || this.passes.closed) return;
    this.drainTimer = setTimeout(() => void this.drainWaiting(), DRAIN_MS);
    this.drainTimer.unref();
  }

  // A file in the bans directory changed (the watcher): `mta guard ban|unban`, or this service's own writes (which
  // match memory and change nothing). Without a name (the watcher could not say), everything is read again.
  async fileChanged(name: string | null | undefined): Promise<void> {
    if (!name) return this.start();
    const ip = this.opts.store.ipOf(name);
    if (!ip || this.busy(ip)) return;
    const onDisk = await this.opts.store.get(ip);
    // A decision of this service came in while the file was read: memory is ahead of the file.
    if (this.busy(ip)) return;
    const now = this.now();
    const mine = this.set.get(ip);
    if (onDisk && isActive(onDisk, now)) {
      if (mine && mine.until === onDisk.until && mine.since === onDisk.since) return;
      this.set.set(onDisk);
      this.change(onDisk, 'banned');
    } else if (mine) this.drop(mine, isActive(mine, now) ? 'lifted' : 'expired', !!onDisk);
    else if (onDisk) {
      this.own.add(ip);
      this.touched.add(ip);
    } else return;
    await this.passes.run();
  }

  // Ends the bans that are due (the expiry timer; tests call it after moving their clock).
  async expireDue(): Promise<void> {
    for (const b of this.set.due(this.now())) this.drop(b, 'expired');
    await this.passes.run();
  }

  // Forgets quiet addresses; called now and then so a long-running guard stays small.
  prune(): void {
    this.tally.prune(this.now());
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    clearTimeout(this.drainTimer);
    this.reporter.close();
    await this.passes.close();
  }

  // Whether a new ban may be added now; a refusal is reported (rate-limited).
  private admit(origin: 'guard' | 'fleet'): boolean {
    const cap = this.caps.take(this.set.size, this.now());
    if (!cap) return true;
    this.reporter.refused(cap, cap === 'total' ? this.caps.c.total : this.caps.c.perMinute, origin);
    return false;
  }

  private reportCapped(r: CapReport): void {
    const what = r.cap === 'total' ? `${r.limit} bans in force` : `${r.limit} new bans within a minute`;
    this.opts.log.warn(
      { event: 'guard.capped', cap: r.cap, limit: r.limit, refused: r.refused, origin: r.origin },
      `${r.refused} new ban(s) refused: ${what} (GUARD_MAX_BANS${r.cap === 'total' ? '' : '_PER_MINUTE'})`,
    );
    this.opts.bus?.publish(CAPPED_SUBJECT, { cap: r.cap, limit: r.limit, refused: r.refused, origin: r.origin });
  }

  private busy(ip: string): boolean {
    return this.own.has(ip) || this.writing.has(ip);
  }

  private change(ban: Ban, what: Announce['what']): void {
    this.touched.add(ban.ip);
    this.announce.push({ ban, what });
  }

  // A new or extended ban of this service (its file follows in the pass).
  private put(ban: Ban): void {
    this.set.set(ban);
    this.own.add(ban.ip);
    this.change(ban, 'banned');
  }

  // A ban that ends; `file`: its file is this service's to remove (not when the file is already gone).
  private drop(ban: Ban, what: 'lifted' | 'expired', file = true): void {
    this.set.delete(ban.ip);
    if (file) this.own.add(ban.ip);
    this.change(ban, what);
  }

  // One batch: the touched addresses go into the tables as memory has them now (a ban works from here on), then
  // their ban files are written or removed side by side, then the events go out.
  private async apply(): Promise<void> {
    const touched = this.touched;
    const announce = this.announce;
    const own = this.own;
    this.touched = new Set();
    this.announce = [];
    this.own = new Set();
    for (const ip of own) this.writing.add(ip);
    try {
      try {
        if (this.rebuild) {
          this.rebuild = false;
          await this.tables.rebuild(this.set.values());
        } else {
          const put: Ban[] = [];
          const drop: string[] = [];
          for (const ip of touched) {
            const b = this.set.get(ip);
            if (b) put.push(b);
            else drop.push(ip);
          }
          if (put.length || drop.length) await this.tables.update(put, drop, (s) => this.set.shard(s));
        }
      } catch (err) {
        // Both tables are rebuilt from memory on the next pass; files and events wait for it.
        this.rebuild = true;
        for (const ip of own) this.own.add(ip);
        this.announce.unshift(...announce);
        this.opts.log.error({ event: 'guard.tables_failed', err: (err as Error).message }, 'could not update the ban tables; retrying');
        clearTimeout(this.retry);
        this.retry = setTimeout(() => void this.passes.run(), RETRY_MS);
        this.retry.unref();
        return;
      }
      await this.persist(own);
    } finally {
      for (const ip of own) this.writing.delete(ip);
    }
    this.publish(announce);
    this.arm();
  }

  // Ban files as memory has them: written (one directory fsync for the batch) or removed.
  private async persist(ips: ReadonlySet<string>): Promise<void> {
    let wrote = false;
    await Promise.all(
      [...ips].map(async (ip) => {
        const b = this.set.get(ip);
        try {
          if (b) {
            await this.opts.store.put(b, { syncDir: false });
            wrote = true;
          } else await this.opts.store.remove(ip);
        } catch (err) {
          this.opts.log.error({ event: 'guard.ban_failed', ip, err: (err as Error).message }, `could not write the ban file of ${ip}`);
        }
      }),
    );
    if (wrote) await this.opts.store.syncDir();
  }

  private publish(announce: readonly Announce[]): void {
    const added: Ban[] = [];
    const lifted: Ban[] = [];
    for (const { ban: b, what } of announce) {
      if (what === 'banned') {
        added.push(b);
        this.opts.log.warn(
          { event: 'guard.banned', ip: b.ip, until: b.until, reason: b.reason, origin: b.origin, by: b.node },
          `banned ${b.ip} until ${b.until}: ${b.reason}`,
        );
        this.opts.bus?.publish(BANNED_SUBJECT, {
          ip: b.ip,
          until: b.until,
          since: b.since,
          reason: b.reason,
          origin: b.origin,
          by: b.node,
        });
        continue;
      }
      if (what === 'lifted') lifted.push(b);
      this.opts.log.info({ event: 'guard.unbanned', ip: b.ip, why: what }, `unbanned ${b.ip} (${what})`);
      this.opts.bus?.publish(UNBANNED_SUBJECT, { ip: b.ip, why: what, reason: b.reason });
    }
    if (added.length || lifted.length) this.opts.onChange?.(added, lifted);
  }

  // Wakes up at the next expiry.
  private arm(): void {
    clearTimeout(this.timer);
    const next = this.set.next();
    if (this.passes.closed || next === undefined) return;
    this.timer = setTimeout(() => void this.expireDue(), Math.min(Math.max(next - this.now(), 0) + 50, MAX_TIMER_MS));
    this.timer.unref();
  }
}
