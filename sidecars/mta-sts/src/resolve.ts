import type { Decision } from './answer.ts';
import { expiresAt, type PolicyCache, type PolicyEntry } from './cache.ts';
import type { StsDns } from './dns.ts';
import type { FetchFailure, FetchResult } from './fetch.ts';
import { isHostName, parsePolicy, type StsMode } from './policy.ts';
import { parseStsRecords } from './record.ts';

// What the policy source reports (events and metrics carry classes only, never a destination domain).
export interface StsReport {
  fetched: (domain: string, mode: StsMode, changed: boolean) => void;
  fetchFailed: (domain: string, failure: FetchFailure | 'invalid', reason: string) => void;
  answered: (domain: string, d: Decision, mode: StsMode | undefined) => void;
}

export interface ResolverOptions {
  dns: StsDns;
  fetch: (domain: string) => Promise<FetchResult>;
  cache: PolicyCache;
  report: StsReport;
  node: string;
  // Ask DNS again about a domain after this long (the TXT record's TTL within [minRecheckMs, 1 h]).
  minRecheckMs?: number;
  // Whether DANE is checked before an enforce answer (a validating resolver is configured).
  daneCheck?: boolean;
  now?: () => number;
  // A policy this node fetched and stored (fleet mode: it is shared).
  onStored?: (e: PolicyEntry) => void;
}

// What DNS said about a domain lately: the record id (undefined: none), and whether DANE covers its MX hosts.
interface Checked {
  at: number;
  until: number;
  dane: boolean;
}

const MAX_CHECKED = 50_000;

// The MTA-STS policy source (RFC 8461 §5): TXT id, cached or fetched policy, DANE first. A cached policy stays in
// force until its max_age even when DNS or the policy server fail; only a fetched policy with a new id replaces it.
export class StsResolver {
  private readonly checked = new Map<string, Checked>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly o: ResolverOptions) {
    this.now = o.now ?? Date.now;
  }

  // The next-hop domain postfix asks about (parent-domain probes ".example.com", bracketed hosts and addresses are
  // never MTA-STS destinations).
  async decide(key: string): Promise<Decision> {
    const domain = key.toLowerCase().replace(/\.$/, '');
    if (!isHostName(domain)) return { kind: 'none' };
    const seen = this.checked.get(domain);
    if (!seen || seen.until <= this.now()) await this.check(domain);
    const d = this.current(domain);
    this.o.report.answered(domain, d, this.o.cache.get(domain)?.policy.mode);
    return d;
  }

  private current(domain: string): Decision {
    const e = this.o.cache.get(domain);
    const now = this.now();
    if (!e || expiresAt(e) <= now || e.policy.mode !== 'enforce') return { kind: 'none' };
    if (this.checked.get(domain)?.dane) return { kind: 'dane', domain };
    return { kind: 'enforce', domain, policy: e.policy, ttl: (expiresAt(e) - now) / 1000 };
  }

  // One check per domain at a time: postfix asks from many smtp processes at once.
  check(domain: string, force = false): Promise<void> {
    const running = this.inflight.get(domain);
    if (running) return running;
    const p = this.run(domain, force).finally(() => this.inflight.delete(domain));
    this.inflight.set(domain, p);
    return p;
  }

  private async run(domain: string, force: boolean): Promise<void> {
    const txt = await this.o.dns.txt(`_mta-sts.${domain}`);
    const rec = txt.kind === 'ok' ? parseStsRecords(txt.texts) : { kind: 'none' as const };
    const now = this.now();
    let cached = this.o.cache.get(domain);
    if (cached && expiresAt(cached) <= now) {
      await this.o.cache.drop(domain);
      cached = undefined;
    }
    // A record whose id differs from the cached policy's (or no cached policy) means a fetch; a refresh due before
    // max_age runs out fetches too, while the record is there. Without a record the cached policy stays until it
    // expires, never longer (RFC 8461 §5.1, §8.3: how a domain withdraws its policy).
    if (rec.kind === 'record' && (force || !cached || cached.id !== rec.id)) await this.fetch(domain, rec.id, cached);
    const e = this.o.cache.get(domain);
    const dane = !!this.o.daneCheck && !!e && e.policy.mode === 'enforce' && (await this.o.dns.dane(domain));
    const ttl = txt.kind === 'ok' ? txt.ttl * 1000 : 300_000;
    const wait = Math.min(Math.max(ttl, this.o.minRecheckMs ?? 60_000), 3_600_000);
    if (this.checked.size >= MAX_CHECKED) this.checked.clear();
    this.checked.set(domain, { at: now, until: now + wait, dane });
  }

  private async fetch(domain: string, id: string, cached: PolicyEntry | undefined): Promise<void> {
    const r = await this.o.fetch(domain);
    if (!r.ok) return this.o.report.fetchFailed(domain, r.failure, r.reason);
    const p = parsePolicy(r.text);
    if (!p.ok) return this.o.report.fetchFailed(domain, 'invalid', p.reason);
    const entry = { domain, id, text: r.text, fetchedAt: this.now(), by: this.o.node, policy: p.policy };
    await this.o.cache.put(entry);
    this.o.report.fetched(domain, p.policy.mode, cached?.text !== r.text);
    this.o.onStored?.(entry);
  }

  // A policy from the fleet (judged by judgeFleetEntry): answered from now on; DNS is asked again on the next lookup.
  async adopt(e: PolicyEntry): Promise<void> {
    await this.o.cache.put(e);
    this.checked.delete(e.domain);
  }

  // Proactive refresh: policies past half their max_age (or within an hour of it) are fetched again, so a
  // destination's policy never lapses while its record stays the same.
  async refreshDue(): Promise<number> {
    const now = this.now();
    const due = this.o.cache.entries().filter((e) => {
      const left = expiresAt(e) - now;
      return left > 0 && (left < (e.policy.maxAge * 1000) / 2 || left < 3_600_000);
    });
    for (const e of due) await this.check(e.domain, true);
    return due.length;
  }
}
