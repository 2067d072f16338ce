import { type Bus, type Logger, RETRY_S, sendDue } from '@mta/shared';
import { aggregate, domainsOf, type Report } from './aggregate.ts';
import { type ReportFleet, verdictsOfEntries } from './fleet.ts';
import type { Verdict } from './history.ts';
import { reportMail } from './message.ts';
import type { SuffixList } from './psl.ts';
import { parseRua, verifiedDestination } from './rua.ts';
import type { RecordStore } from './store.ts';
import type { Reporter } from './xml.ts';

export { GRACE_S, RETRY_S } from '@mta/shared';

export interface ReportDeps {
  store: RecordStore;
  reporter: Reporter;
  psl: SuffixList;
  txt: (name: string) => Promise<string[]>;
  submit: (raw: string, from: string, to: string) => Promise<void>;
  log: Logger;
  bus?: Bus;
  // Fleet mode: the day's verdicts of every node, which node sends, and the claim that stops the others.
  fleet?: Pick<ReportFleet, 'day' | 'rank' | 'claim' | 'refused'>;
  node?: string;
}

export interface PassResult {
  sent: number;
  failed: number;
}

// Every (day, policy domain) whose day is over and whose report has not gone (sendDue): aggregated, checked against
// each rua destination (7.1 permission, size limit) and handed to postfix; marked sent once every destination was
// dealt with. A failure leaves it unmarked for a later pass.
export async function reportDue(deps: ReportDeps, now: number, retryAt: Map<string, number>): Promise<PassResult> {
  const { log } = deps;
  const out: PassResult = { sent: 0, failed: 0 };
  const done = await sendDue<Verdict[]>(
    {
      store: deps.store,
      fleet: deps.fleet,
      node: deps.node,
      merge: (day, local, shared) => [
        ...(local.flat() as Verdict[]),
        ...(shared ? verdictsOfEntries(deps.fleet, day, shared).verdicts : []),
      ],
      domains: (verdicts, day) => domainsOf(verdicts, day),
      send: async (domain, day, verdicts) => {
        const report = aggregate(domain, day, verdicts);
        if (!report) return 'no records';
        const notes = await deliver(deps, report, now, out);
        return notes.join(' ') || 'no mailto rua';
      },
      failed: (domain, day, e) => {
        log.warn(
          { event: 'dmarc.report_failed', domain, day, err: e.message },
          `a DMARC aggregate report could not be sent; trying again in ${RETRY_S / 60} minutes`,
        );
        deps.bus?.publish('mta.dmarc.report.failed', { domain, day });
      },
    },
    now,
    retryAt,
  );
  out.failed = done.failed;
  return out;
}

// One report to each of its rua destinations that agreed to take it (7.1) and takes its size; what happened to each,
// for the sent mark. A DNS or postfix failure throws (the report is tried again later).
async function deliver(deps: ReportDeps, report: Report, now: number, out: PassResult): Promise<string[]> {
  const { log } = deps;
  const domain = report.domain;
  const day = new Date(report.begin * 1000).toISOString().slice(0, 10);
  const notes: string[] = [];
  for (const dest of parseRua(report.rua)) {
    if (!(await verifiedDestination(dest, domain, deps.psl, deps.txt))) {
      log.info(
        { event: 'dmarc.report_unverified', domain },
        'a rua destination outside the domain did not agree to take its reports (RFC 7489 7.1)',
      );
      notes.push('unverified');
      continue;
    }
    const mail = reportMail(report, deps.reporter, dest.address, new Date(now * 1000));
    if (dest.maxBytes !== undefined && mail.gzipBytes > dest.maxBytes) {
      log.warn({ event: 'dmarc.report_too_large', domain, bytes: mail.gzipBytes }, 'a DMARC report is larger than its destination takes');
      notes.push('too large');
      continue;
    }
    await deps.submit(mail.raw, deps.reporter.email, dest.address);
    const messages = report.rows.reduce((n, r) => n + r.count, 0);
    log.info({ event: 'dmarc.report_sent', domain, day, messages, bytes: mail.gzipBytes }, `DMARC aggregate report sent for ${domain}`);
    deps.bus?.publish('mta.dmarc.report.sent', { domain, day, messages });
    notes.push(mail.id);
    out.sent++;
  }
  return notes;
}
