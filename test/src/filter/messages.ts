// Test messages: each is a complete RFC 5322 text as swaks --data takes it.
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
// SpamAssassin's standard test string: scores 1000.
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

const head = (from: string, to: string, subject: string, extra = '') =>
  `From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@test>\r\n${extra}`;

// A text/plain message; `extra` adds header lines (e.g. an earlier Received).
export const plainMail = (from: string, to: string, subject: string, body: string, extra = ''): string =>
  `${head(from, to, subject, extra)}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n${body}\r\n`;

// multipart/mixed with one base64 attachment, so amavis decodes the part before clamd sees it.
export function attachmentMail(
  from: string,
  to: string,
  subject: string,
  name: string,
  content: string | Buffer,
  type = 'application/octet-stream',
): string {
  const b = 'mta-test-boundary';
  const base64 = Buffer.from(content).toString('base64').replace(/.{76}/g, '$&\r\n');
  return `${head(from, to, subject)}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--${b}\r\nContent-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}\r\n--${b}--\r\n`;
}

// The header block of a delivered message, unfolded, for simple assertions.
export function headerOf(raw: string, name: string): string[] {
  const headers = raw.split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, ' ') ?? '';
  return headers
    .split(/\r?\n/)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
}
