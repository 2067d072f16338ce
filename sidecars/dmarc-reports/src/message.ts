import { gzipSync } from 'node:zlib';
import { reportMessage } from '@mta/shared';
import type { Report } from './aggregate.ts';
import { domainOf } from './rua.ts';
import { type Reporter, reportXml } from './xml.ts';

// RFC 7489 7.2.1.1: receiver "!" policy-domain "!" begin "!" end ".xml.gz"; the receiver is the domain of the
// reporting address.
export const reportFileName = (report: Report, reporter: Reporter): string =>
  `${domainOf(reporter.email)}!${report.domain}!${report.begin}!${report.end}.xml.gz`;

// The same report has the same id at every attempt (a receiver can tell a repeat); the node keeps two nodes' apart.
export const reportId = (report: Report, reporter: Reporter): string =>
  `${report.domain}!${report.begin}!${reporter.node.replace(/[^A-Za-z0-9._-]/g, '_')}@${domainOf(reporter.email)}`;

export interface ReportMail {
  // The whole message (CRLF line ends), ready for sendmail.
  raw: string;
  gzipBytes: number;
  fileName: string;
  id: string;
}

// RFC 7489 7.2.1.1 (subject) and 7.2.1 (the report as a gzip attachment).
export function reportMail(report: Report, reporter: Reporter, to: string, now: Date): ReportMail {
  const id = reportId(report, reporter);
  const gz = gzipSync(reportXml(report, reporter, id));
  const fileName = reportFileName(report, reporter);
  const submitter = domainOf(reporter.email);
  const raw = reportMessage({
    from: reporter.email,
    to,
    subject: `Report Domain: ${report.domain} Submitter: ${submitter} Report-ID: <${id}>`,
    multipart: 'multipart/mixed',
    text: [
      `DMARC aggregate report for ${report.domain} from ${reporter.org}: ${report.rows.reduce((n, r) => n + r.count, 0)} messages,`,
      `${new Date(report.begin * 1000).toISOString()} to ${new Date(report.end * 1000).toISOString()}.`,
    ].join('\r\n'),
    attachment: { contentType: 'application/gzip', fileName, body: gz },
    idDomain: submitter,
    now,
  });
  return { raw, gzipBytes: gz.length, fileName, id };
}
