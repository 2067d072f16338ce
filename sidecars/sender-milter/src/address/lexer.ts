import { ErrorCode, MtaError } from '@mta/shared';
// Tokens of an RFC 5322 address header, read strictly: what a sender header needs (words, quoted strings, dots,
// "<", ">", "@", ","), comments and folding skipped. Everything that only routing, groups or domain literals use
// (":", ";", "[", "]") and every control character is refused here, so the parser never sees it.

export type Token =
  | { kind: 'atom'; text: string; spaceBefore: boolean }
  | { kind: 'quoted'; text: string; spaceBefore: boolean }
  | { kind: 'special'; text: '<' | '>' | '@' | ',' | '.'; spaceBefore: boolean };

// An MtaError (E_PARSE) of its own class, so the parser's callers can tell a bad address from a bug.
export class AddressSyntaxError extends MtaError {
  constructor(message: string) {
    super(ErrorCode.Parse, message);
  }
}

// Nested comments deeper than this are refused (RFC 5322 sets no bound; nobody needs one).
const MAX_COMMENT_DEPTH = 8;

const isWsp = (c: number) => c === 0x20 || c === 0x09;
// atext (RFC 5322 3.2.3), plus raw 8-bit bytes: display names in unencoded UTF-8 are common.
const isAtext = (c: number) =>
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x30 && c <= 0x39) ||
  "!#$%&'*+-/=?^_`{|}~".includes(String.fromCharCode(c)) ||
  c >= 0x80;

// Folding: a line break followed by white space is white space; any other line break or control is an error.
function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '').replace(/(?:\r?\n)+$/, '');
}

export function tokenize(value: string): Token[] {
  const s = unfold(value);
  const out: Token[] = [];
  let space = false;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isWsp(c)) {
      space = true;
      i++;
    } else if (c === 0x28 /* ( */) {
      i = skipComment(s, i);
      space = true;
    } else if (c === 0x22 /* " */) {
      const [text, next] = quoted(s, i);
      out.push({ kind: 'quoted', text, spaceBefore: space });
      space = false;
      i = next;
    } else if ('<>@,.'.includes(s[i] as string)) {
      out.push({ kind: 'special', text: s[i] as '<' | '>' | '@' | ',' | '.', spaceBefore: space });
      space = false;
      i++;
    } else if (isAtext(c)) {
      let j = i + 1;
      while (j < s.length && isAtext(s.charCodeAt(j))) j++;
      out.push({ kind: 'atom', text: s.slice(i, j), spaceBefore: space });
      space = false;
      i = j;
    } else throw new AddressSyntaxError(describe(c));
  }
  return out;
}

function describe(c: number): string {
  if (c < 0x20 || c === 0x7f) return 'control character';
  const ch = String.fromCharCode(c);
  if (ch === ':' || ch === ';') return 'group or route syntax';
  if (ch === '[' || ch === ']') return 'domain literal';
  return `unexpected "${ch}"`;
}

// Returns the index after the comment starting at i; comments nest and may hold quoted pairs.
function skipComment(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c /* \ */) {
      j++;
      if (j >= s.length) break;
      if (isControl(s.charCodeAt(j))) throw new AddressSyntaxError('control character');
    } else if (c === 0x28) {
      if (++depth > MAX_COMMENT_DEPTH) throw new AddressSyntaxError('comments nested too deep');
    } else if (c === 0x29) {
      if (--depth === 0) return j + 1;
    } else if (isControl(c)) throw new AddressSyntaxError('control character');
  }
  throw new AddressSyntaxError('unterminated comment');
}

const isControl = (c: number) => (c < 0x20 && c !== 0x09) || c === 0x7f;

// The content of the quoted string starting at i (quoted pairs resolved) and the index after it.
function quoted(s: string, i: number): [string, number] {
  let text = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return [text, j + 1];
    if (c === 0x5c) {
      j++;
      if (j >= s.length) break;
      if (isControl(s.charCodeAt(j))) throw new AddressSyntaxError('control character');
      text += s[j];
    } else if (isControl(c)) throw new AddressSyntaxError('control character');
    else text += s[j];
  }
  throw new AddressSyntaxError('unterminated quoted string');
}
