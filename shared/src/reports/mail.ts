import { randomBytes } from 'node:crypto';

export interface ReportMailParts {
  from: string;
  to: string;
  subject: string;
  // Headers of the report's kind (TLS-Report-Domain, …), after the Subject.
  headers?: readonly string[];
  // The top Content-Type's type and parameters before the boundary (multipart/mixed, multipart/report; report-type=…).
  multipart: string;
  text: string;
  attachment: { contentType: string; fileName: string; body: Buffer };
  // The Message-ID's domain.
  idDomain: string;
  now: Date;
}

const wrap = (b64: string): string => b64.replace(/.{1,76}/g, '$&\r\n');

// A report mail: a short text part and the gzipped report as a base64 attachment (CRLF line ends, ready for
// sendmail). Every value here is ours or checked (domains, addresses): none can add a header line.
export function reportMessage(p: ReportMailParts): string {
  const boundary = `=_mta_report_${randomBytes(12).toString('hex')}`;
  const lines = [
    `From: ${p.from}`,
    `To: ${p.to}`,
    `Subject: ${p.subject}`,
    ...(p.headers ?? []),
    `Date: ${p.now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(16).toString('hex')}@${p.idDomain}>`,
    'MIME-Version: 1.0',
    `Content-Type: ${p.multipart}; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    p.text,
    '',
    `--${boundary}`,
    `Content-Type: ${p.attachment.contentType}; name="${p.attachment.fileName}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${p.attachment.fileName}"`,
    '',
  ];
  return `${lines.join('\r\n')}\r\n${wrap(p.attachment.body.toString('base64'))}--${boundary}--\r\n`;
}
