// A header field name per RFC 5322 (printable ASCII except colon), or an mbox "From " separator line.
const FIRST_LINE = /^(?:[\x21-\x39\x3b-\x7e]+[ \t]*:|From )/;

// Why a file cannot be an RFC 822 message, or undefined when it looks like one. sa-learn itself accepts anything
// (an empty file counts as "learned"), so garbage must be caught here or it would silently train the DB.
export function whyNotMessage(data: Buffer): string | undefined {
  if (data.length === 0) return 'empty file';
  const head = data.subarray(0, 64 * 1024);
  if (head.includes(0)) return 'binary content (NUL bytes), not an RFC 822 message';
  const text = head.toString('latin1');
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  if (!FIRST_LINE.test(firstLine)) return 'does not start with a header field, not an RFC 822 message';
  const end = text.search(/\r?\n\r?\n/);
  const header = end < 0 ? text : text.slice(0, end);
  // The reason ends up in logs and bus events: it names the line, never its (hostile, maybe private) text.
  const lines = header.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!/^[ \t]/.test(line) && !/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(line)) return `malformed header line ${i + 1} (not "name: value")`;
  }
  return undefined;
}
