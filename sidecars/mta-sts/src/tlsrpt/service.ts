import { randomBytes } from 'node:crypto';
import { type Bus, coalesce, DAY_S, type DayFleet, DayStore, dayOf, ensureDir, type Logger, sendDue } from '@mta/shared';
import { type Attempt, parseDatagram } from './datagram.ts';
import { gzipReport, reportMail } from './message.ts';
import { type Reporter, sessionsOf, tlsReport } from './report.ts';
import { parseTlsRptRecord } from './rua.ts';
import { entriesFromJson, Tally, type TallyEntry } from './tally.ts';

export const PASS_MS = 60_000;

export interface TlsRptOptions {
  stateDir: string;
  reporter: Reporter;
  log: Logger;
  bus?: Bus;
  // The TXT records of a name ([] when there are none; throws on a DNS failure: tried again later).
  txt: (name: string) => Promise<string[]>;
  submit: (raw: string, from: string, to: string) => Promise<void>;
  post: (url: string, gz: Buffer) => Promise<unknown>;
  now?: () => number;
  // Fleet mode: counts shared and reports sent once for the whole fleet. Until it answers with the bucket, counts
  // are kept and nothing is sent (a report of this node's sessions alone would be a second one).
  fleet?: () => DayFleet | undefined;
  node: string;
  passMs?: number;
}

// TLS-RPT (RFC 8460) for the sessions of postfix's smtp client: every attempt libtlsrpt reports (relay.ts) is
// counted in memory by day; every minute the counts go to /srv as a batch (and to the fleet), and each recipient
// domain's report of a day that is over goes to the rua of its _smtp._tls record, once (sendDue).
export class TlsRptService {
  private readonly days = new Map<string, Tally>();
  private readonly retryAt = new Map<string, number>();
  private readonly store: DayStore;
  private readonly pass: ReturnType<typeof coalesce>;
  private timer?: NodeJS.Timeout;
  private refusedDatagrams = 0;

  constructor(private readonly o: TlsRptOptions) {
    this.store = new DayStore(o.stateDir);
    this.pass = coalesce(() => this.once());
  }

  async start(): Promise<void> {
    await ensureDir(this.o.stateDir, { mode: 0o700 });
    this.timer = setInterval(() => void this.pass.run(), this.o.passMs ?? PASS_MS);
  }

  private nowMs = () => this.o.now?.() ?? Date.now();

  // One datagram from the relay.
  take(d: Buffer): void {
    const r = parseDatagram(d);
    if (!r.ok) {
      if (this.refusedDatagrams++ === 0)
        this.o.log.warn({ event: 'tlsrpt.datagram_refused', reason: r.reason }, 'a TLS-RPT datagram was not taken (told once per batch)');
      return;
    }
    this.add(r.attempt);
  }

  add(a: Attempt): void {
    const day = dayOf(Math.floor(this.nowMs() / 1000));
    let t = this.days.get(day);
    if (!t) this.days.set(day, (t = new Tally()));
    t.add(a);
  }

  async runOnce(): Promise<void> {
    await this.pass.run();
  }

  // The counts since the last batch go to /srv; they are dropped from memory only once written.
  private async flush(): Promise<void> {
    // Unique even when two flushes share a millisecond (a pass, then close): a batch never replaces another.
    const batch = `${this.nowMs()}.${randomBytes(4).toString('hex')}`;
    for (const [day, t] of [...this.days]) {
      const entries = t.entries();
      if (entries.length) await this.store.put(day, batch, entries);
      this.days.delete(day);
      this.sessions(entries, t.dropped);
    }
    this.refusedDatagrams = 0;
  }

  // What the batch held, by class only (policy type and result type: no domain, no remote text), for the metrics.
  private sessions(entries: readonly TallyEntry[], dropped: number): void {
    const byClass = new Map<string, number>();
    const bump = (k: string, n: number) => n && byClass.set(k, (byClass.get(k) ?? 0) + n);
    for (const e of entries) {
      bump(`${e.policy.type} success`, e.ok);
      const detailed = e.details.reduce((n, f) => n + f.n, 0);
      for (const f of e.details) bump(`${e.policy.type} ${f.result}`, f.n);
      bump(`${e.policy.type} validation-failure`, Math.max(0, e.fail - detailed));
    }
    for (const [k, count] of byClass) {
      const [policy, result] = k.split(' ');
      this.o.log.info({ event: 'tlsrpt.sessions', policy, result, count }, 'outbound TLS sessions for TLS reports');
    }
    if (dropped) this.o.log.warn({ event: 'tlsrpt.batch_full', dropped }, 'more distinct TLS-RPT destinations in a minute than are kept');
  }

  // This node's batches of a day (its own files on /srv, still checked like any stored input) in one tally.
  private local(batches: unknown[]): Tally {
    const t = new Tally();
    for (const b of batches) t.merge(entriesFromJson(b).entries);
    return t;
  }

  private async once(): Promise<void> {
    const now = Math.floor(this.nowMs() / 1000);
    try {
      await this.flush();
      const fleet = this.o.fleet?.();
      if (this.o.fleet && !fleet) return;
      if (fleet)
        for (const day of [dayOf(now - DAY_S), dayOf(now)]) {
          const entries = this.local(await this.store.batches(day)).entries();
          if (entries.length) await fleet.publish(day, entries);
        }
      await sendDue<TallyEntry[]>(
        {
          store: this.store,
          fleet,
          node: this.o.node,
          merge: (day, local, shared) => {
            const t = this.local(local);
            // Each node's entry holds its whole day: this node's own is in `local` already.
            for (const e of shared ?? []) {
              if (e.node === fleet?.publicKey) continue;
              const { entries, dropped } = entriesFromJson(e.data);
              if (dropped) fleet?.refused(day, e.node, `${dropped} malformed TLS-RPT entries`);
              t.merge(entries);
            }
            return t.entries();
          },
          domains: (entries) => [...new Set(entries.map((e) => e.d))].sort(),
          send: (domain, day, entries) => this.send(domain, day, entries, now),
          failed: (domain, day, e) => {
            this.o.log.warn(
              { event: 'tlsrpt.report_failed', domain, day, err: e.message },
              'a TLS report could not be sent; trying again in 15 minutes',
            );
            this.o.bus?.publish('mta.tlsrpt.report.failed', { day });
          },
        },
        now,
        this.retryAt,
      );
      await this.store.prune(now);
    } catch (e) {
      this.o.log.warn({ event: 'tlsrpt.pass_failed', err: (e as Error).message }, 'a TLS-RPT pass failed; the next one tries again');
    }
  }

  // One domain's report to every destination of its _smtp._tls record; the note for the sent mark.
  private async send(domain: string, day: string, entries: TallyEntry[], now: number): Promise<string> {
    const report = tlsReport(domain, day, entries, this.o.reporter);
    if (!report) return 'no sessions';
    const dests = parseTlsRptRecord(await this.o.txt(`_smtp._tls.${domain}`));
    if (!dests.length) return 'no TLSRPT record';
    const gz = gzipReport(report);
    for (const d of dests) {
      if (d.kind === 'mailto')
        await this.o.submit(
          reportMail(domain, day, report, gz, this.o.reporter, d.address, new Date(now * 1000)),
          this.o.reporter.email,
          d.address,
        );
      else await this.o.post(d.url, gz);
    }
    const { ok, fail } = sessionsOf(report);
    this.o.log.info(
      { event: 'tlsrpt.report_sent', domain, day, ok, fail, destinations: dests.length, bytes: gz.length },
      `TLS report sent for ${domain}`,
    );
    this.o.bus?.publish('mta.tlsrpt.report.sent', { day, ok, fail });
    return report['report-id'];
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pass.close();
    // What came in since the last pass.
    await this.flush().catch((e: Error) => this.o.log.warn({ event: 'tlsrpt.flush_failed', err: e.message }, 'TLS-RPT counts were lost'));
  }
}
