import { gzipSync } from 'node:zlib';
import { dayStart, reportMessage } from '@mta/shared';
import { type Reporter, sessionsOf, submitterOf, type TlsReport } from './report.ts';

// RFC 8460 §5.1: sender "!" policy-domain "!" begin "!" end "!" unique-id ".json.gz".
export const reportFileName = (domain: string, day: string, reporter: Reporter): string =>
  `${submitterOf(reporter.email)}!${domain}!${dayStart(day)}!${dayStart(day) + 86_399}!${reporter.node.replace(/[^A-Za-z0-9._-]/g, '_')}.json.gz`;

export const gzipReport = (report: TlsReport): Buffer => gzipSync(JSON.stringify(report));

// RFC 8460 §5.3: the subject, TLS-Report-Domain and TLS-Report-Submitter headers, multipart/report with
// report-type "tlsrpt", the gzipped JSON as application/tlsrpt+gzip.
export function reportMail(domain: string, day: string, report: TlsReport, gz: Buffer, reporter: Reporter, to: string, now: Date): string {
  const submitter = submitterOf(reporter.email);
  const { ok, fail } = sessionsOf(report);
  return reportMessage({
    from: reporter.email,
    to,
    subject: `Report Domain: ${domain} Submitter: ${submitter} Report-ID: <${report['report-id']}>`,
    headers: [`TLS-Report-Domain: ${domain}`, `TLS-Report-Submitter: ${submitter}`],
    multipart: 'multipart/report; report-type="tlsrpt"',
    text: `This is an aggregate TLS report from ${submitter} for ${domain} of ${day} (UTC): ${ok} successful, ${fail} failed sessions.`,
    attachment: { contentType: 'application/tlsrpt+gzip', fileName: reportFileName(domain, day, reporter), body: gz },
    idDomain: submitter,
    now,
  });
}
