import type { Bus, Logger, MailLogEvent, MtaPaths, NetworkSet } from '@mta/shared';
import { coalesce, normalizeIp } from '@mta/shared';
import { type Ban, isActive, MAX_BAN_MS } from './ban.ts';
import { applyMaps } from './maps.ts';
import { type PolicyConfig, Tally } from './policy.ts';
import type { BanStore } from './store.ts';

export interface GuardOptions {
  paths: MtaPaths;
  store: BanStore;
  policy: PolicyConfig;
  banMs: number;
  protect: NetworkSet;
  node: string;
  // Whether this variant has dovecot (its deny passdb is written too).
  dovecot: boolean;
  log: Logger;
  bus?: Bus;
  now?: () => number;
  // After every change of the ban set: what was added and what was lifted before its time (fleet sync).
  onChange?: (added: readonly Ban[], lifted: readonly Ban[]) => void;
}

export const BANNED_SUBJECT = 'mta.guard.banned';
export const UNBANNED_SUBJECT = 'mta.guard.unbanned';

// setTimeout's longest delay; a later expiry is re-armed when the timer fires.
const MAX_TIMER_MS = 2_147_000_000;

// The guard's state machine: log events -> offences -> ban files; ban files (whoever wrote them) -> maps, postfix
// reload, events. The files are the truth; `sync` reconciles memory with them and is the only place with effects.
export class GuardService {
  private bans = new Map<string, Ban>();
  private readonly tally: Tally;
  private readonly now: () => number;
  // One pass at a time; a sync asked for during one makes exactly one more.
  private readonly passes = coalesce(() => this.pass());
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly o: GuardOptions) {
    this.tally = new Tally(o.policy);
    this.now = o.now ?? Date.now;
  }

  list(): Ban[] {
    return [...this.bans.values()];
  }

  // A daemon's log event; returns the ban it caused, if any.
  async onEvent(e: MailLogEvent): Promise<Ban | undefined> {
    if (!('ip' in e)) return undefined;
    const ip = normalizeIp(e.ip);
    if (!ip || this.bans.has(ip) || this.o.protect.has(ip)) return undefined;
    const now = this.now();
    const offence = this.tally.record(ip, e, now);
    if (!offence) return undefined;
    const ban: Ban = {
      ip,
      since: new Date(now).toISOString(),
      until: new Date(now + this.o.banMs).toISOString(),
      reason: offence.reason,
      origin: 'guard',
      node: this.o.node,
    };
    this.bans.set(ip, ban); // at once: later lines of the same burst must not ban twice
    await this.o.store.put(ban);
    await this.sync();
    return ban;
  }

  // A ban from another node: adopted unless the address is protected here or already banned at least as long.
  async adopt(ban: Ban): Promise<'adopted' | 'lifted' | 'ignored' | 'protected'> {
    const now = this.now();
    const mine = this.bans.get(ban.ip);
    if (!isActive(ban, now)) {
      // A lift marker (until <= since): the ban ends everywhere.
      if (!mine || Date.parse(ban.until) < Date.parse(mine.since)) return 'ignored';
      await this.o.store.remove(ban.ip);
      await this.sync();
      return 'lifted';
    }
    // The caller reports it as a refused fleet entry.
    if (this.o.protect.has(ban.ip)) return 'protected';
    if (mine && mine.until >= ban.until) return 'ignored';
    const until = Math.min(Date.parse(ban.until), now + MAX_BAN_MS);
    await this.o.store.put({ ...ban, origin: 'fleet', until: new Date(until).toISOString() });
    await this.sync();
    return 'adopted';
  }

  // Reconciles memory with the ban files: expired ones are removed, maps rewritten, events published.
  sync(): Promise<void> {
    return this.passes.run();
  }

  private async pass(): Promise<void> {
    const now = this.now();
    const onDisk = await this.o.store.list((f) =>
      this.o.log.warn({ event: 'guard.bad_file', file: f }, `ignored unreadable ban file ${f}`),
    );
    const active: Ban[] = [];
    for (const b of onDisk) {
      if (isActive(b, now)) active.push(b);
      else await this.o.store.remove(b.ip);
    }
    this.bans = new Map(active.map((b) => [b.ip, b]));
    const added = active.filter((b) => this.known.get(b.ip)?.until !== b.until);
    const gone = [...this.known.values()].filter((b) => !this.bans.has(b.ip));
    const maps = await applyMaps(this.o.paths, active, { dovecot: this.o.dovecot });
    if (!this.started) {
      // Bans kept from before a restart were announced when they began.
      this.started = true;
      for (const b of added.splice(0)) this.known.set(b.ip, b);
      if (active.length) this.o.log.info({ event: 'guard.restored', bans: active.length }, `${active.length} ban(s) in force`);
    }
    for (const b of added) {
      this.known.set(b.ip, b);
      this.o.log.warn(
        { event: 'guard.banned', ip: b.ip, until: b.until, reason: b.reason, origin: b.origin, by: b.node },
        `banned ${b.ip} until ${b.until}: ${b.reason}`,
      );
      this.o.bus?.publish(BANNED_SUBJECT, { ip: b.ip, until: b.until, since: b.since, reason: b.reason, origin: b.origin, by: b.node });
    }
    const lifted: Ban[] = [];
    for (const b of gone) {
      this.known.delete(b.ip);
      const expired = !isActive(b, now);
      if (!expired) lifted.push(b);
      const why = expired ? 'expired' : 'lifted';
      this.o.log.info({ event: 'guard.unbanned', ip: b.ip, why }, `unbanned ${b.ip} (${why})`);
      this.o.bus?.publish(UNBANNED_SUBJECT, { ip: b.ip, why, reason: b.reason });
    }
    if (maps.reload === 'not running' && maps.postfix)
      this.o.log.debug({ event: 'guard.reload' }, 'postfix is not running; it reads the ban map when it starts');
    if (added.length || lifted.length) this.o.onChange?.(added, lifted);
    this.arm(active, now);
  }

  // The bans whose banned event was published (a rewritten file with the same until publishes nothing).
  private readonly known = new Map<string, Ban>();

  // Wakes up at the next expiry.
  private arm(active: readonly Ban[], now: number): void {
    clearTimeout(this.timer);
    if (this.passes.closed || !active.length) return;
    const first = Math.min(...active.map((b) => Date.parse(b.until)));
    this.timer = setTimeout(() => void this.sync(), Math.min(Math.max(first - now, 0) + 50, MAX_TIMER_MS));
    this.timer.unref();
  }

  // Forgets quiet addresses; called now and then so a long-running guard stays small.
  prune(): void {
    this.tally.prune(this.now());
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.passes.close();
  }
}
