// DKIM canonicalization (RFC 6376 3.4), which ARC uses for its signatures. Header values come from the milter
// protocol as postfix sends them: unfolded by nobody, line breaks as LF or CRLF.

// relaxed: name lower-cased, value unfolded, runs of white space one space, none at either end.
export const relaxedHeader = (name: string, value: string): string =>
  `${name.trim().toLowerCase()}:${value
    .replace(/\r?\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim()}\r\n`;

// simple: the field as it was. The milter protocol gives the name and the value apart; "Name: value" is how
// postfix and nearly every writer joins them (only a signer that chose c=simple for headers depends on it).
export const simpleHeader = (name: string, value: string): string => `${name}: ${value.replace(/\r?\n/g, '\r\n')}\r\n`;

// relaxed body: white space at line ends dropped, runs of it one space, empty lines at the end dropped; a body that is
// not empty ends with CRLF.
export function relaxedBody(body: Buffer): Buffer {
  const lines = body.toString('latin1').split('\r\n');
  const out = lines.map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (out.length && out[out.length - 1] === '') out.pop();
  return Buffer.from(out.length ? `${out.join('\r\n')}\r\n` : '', 'latin1');
}

// simple body: empty lines at the end dropped; an empty body is one CRLF.
export function simpleBody(body: Buffer): Buffer {
  const lines = body.toString('latin1').split('\r\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}
