import { DAY_S, dayStart } from '@mta/shared';
import type { TallyEntry } from './tally.ts';

// Who reports (TLSRPT_REPORTS_ORG, TLSRPT_REPORTS_FROM) and which node (part of the report id).
export interface Reporter {
  org: string;
  email: string;
  node: string;
}

// A report names at most this many policies, each with at most this many failure-details (the most frequent first):
// a day of attempts to one domain through ever new MX hosts or HELO names must not make a report without end.
export const MAX_POLICIES = 50;
export const MAX_FAILURE_DETAILS = 50;

export const submitterOf = (email: string): string => email.slice(email.lastIndexOf('@') + 1).toLowerCase();

export const reportIdOf = (domain: string, day: string, reporter: Reporter): string =>
  `${day}.${domain}.${reporter.node.replace(/[^A-Za-z0-9._-]/g, '_')}@${submitterOf(reporter.email)}`;

const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

// RFC 8460 §4: the report of one recipient domain for one UTC day, from the day's entries (any domain's; only
// those of `domain` are taken). undefined when there were no sessions to it.
export function tlsReport(domain: string, day: string, entries: readonly TallyEntry[], reporter: Reporter) {
  const mine = entries.filter((e) => e.d === domain && e.ok + e.fail > 0);
  if (!mine.length) return undefined;
  const begin = dayStart(day);
  const policies = mine
    .sort((a, b) => b.ok + b.fail - (a.ok + a.fail))
    .slice(0, MAX_POLICIES)
    .map((e) => ({
      policy: {
        'policy-type': e.policy.type,
        ...(e.policy.strings.length ? { 'policy-string': e.policy.strings } : {}),
        'policy-domain': e.policy.domain,
        ...(e.policy.type === 'sts' && e.policy.mx.length ? { 'mx-host': e.policy.mx } : {}),
      },
      summary: { 'total-successful-session-count': e.ok, 'total-failure-session-count': e.fail },
      ...(e.details.length
        ? {
            'failure-details': [...e.details]
              .sort((a, b) => b.n - a.n)
              .slice(0, MAX_FAILURE_DETAILS)
              .map((f) => ({
                'result-type': f.result,
                ...(f.sendingIp ? { 'sending-mta-ip': f.sendingIp } : {}),
                ...(f.mxHost ? { 'receiving-mx-hostname': f.mxHost } : {}),
                ...(f.helo ? { 'receiving-mx-helo': f.helo } : {}),
                ...(f.receivingIp ? { 'receiving-ip': f.receivingIp } : {}),
                'failed-session-count': f.n,
                ...(f.info ? { 'additional-information': f.info } : {}),
                ...(f.code ? { 'failure-reason-code': f.code } : {}),
              })),
          }
        : {}),
    }));
  return {
    'organization-name': reporter.org,
    'date-range': { 'start-datetime': iso(begin), 'end-datetime': iso(begin + DAY_S - 1) },
    'contact-info': reporter.email,
    'report-id': reportIdOf(domain, day, reporter),
    policies,
  };
}

export type TlsReport = NonNullable<ReturnType<typeof tlsReport>>;

export const sessionsOf = (r: TlsReport): { ok: number; fail: number } =>
  r.policies.reduce(
    (n, p) => ({ ok: n.ok + p.summary['total-successful-session-count'], fail: n.fail + p.summary['total-failure-session-count'] }),
    { ok: 0, fail: 0 },
  );
