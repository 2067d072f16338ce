// The addresses amavis takes from a header field: a transcription of parse_address_list() and
// unquote_rfc2821_local() in amavisd-new's Amavis/rfc2821_2822_Tools.pm (Debian's 2.13). amavis chooses the DKIM
// signing key from these; the milter refuses a field where they differ from what it checked, so a header written to
// be read one way here and another way by amavis signs nothing.

export function amavisAddressList(field: string): string[] {
  const str = field.replace(/\n(?=[ \t])/g, '').replace(/\n+$/, '');
  const addresses: string[] = [];
  let p = '';
  let s = '';
  let comm = 0;
  let inQ = false;
  let inLit = false;
  let inGroup = false;
  let inAngle = false;
  let afterAt = false;
  const append = (x: string) => {
    if (inAngle) p += x;
    else s += x;
  };
  const flush = () => {
    s = s.replace(/^[ \t]+/, '').replace(/[ \t]$/, '');
    p = p.replace(/^[ \t]+/, '').replace(/[ \t]$/, '');
    if (p !== '') addresses.push(p.replace(/^</, '').replace(/>$/, ''));
    else if (s !== '') addresses.push(s);
    p = '';
    s = '';
  };
  // Longest run from i of characters not in `stop`.
  const run = (i: number, stop: string) => {
    let j = i;
    while (j < str.length && !stop.includes(str[j] as string)) j++;
    return j;
  };
  let i = 0;
  while (i < str.length) {
    const ch = str[i] as string;
    if (comm > 0 && ch === ')') {
      comm--;
      i++;
      continue;
    }
    if (!inQ && !inLit && ch === '(') {
      comm++;
      i++;
      continue;
    }
    if (comm > 0 && ch === '\\' && i + 1 < str.length) {
      i += 2;
      continue;
    }
    if (comm > 0 && ch !== '(' && ch !== ')' && ch !== '\\') {
      i = run(i, '()\\');
      continue;
    }
    // Inside a quoted string or a domain literal (never both, and never in a comment): its closing character ends
    // it, ">" ends the address as well, a backslash quotes the next character, anything else runs to one of those.
    if (inQ || inLit) {
      const close = inQ ? '"' : ']';
      if (ch === close || ch === '>') {
        inQ = false;
        inLit = false;
        if (ch === '>') {
          inAngle = false;
          afterAt = false;
        }
        append(ch);
        i++;
        continue;
      }
      if (ch === '\\' && i + 1 < str.length) {
        append(str.slice(i, i + 2));
        i += 2;
        continue;
      }
      if (ch !== '\\') {
        const j = run(i, `${close}\\>`);
        append(str.slice(i, j));
        i = j;
        continue;
      }
    }
    if (!comm && !inQ && !inLit) {
      if (ch === '"' || ch === '[') {
        // A "[" opens a domain literal only after an "@"; elsewhere it is just a character.
        if (ch === '"') inQ = true;
        else if (afterAt) inLit = true;
        append(ch);
        i++;
        continue;
      }
      if (!inAngle && ch === '<') {
        inAngle = true;
        afterAt = false;
        if (p !== '') flush();
        p += ch;
        i++;
        continue;
      }
      if (inAngle && ch === '>') {
        inAngle = false;
        afterAt = false;
        p += ch;
        i++;
        continue;
      }
      if (ch === ',') {
        if (!inAngle) flush();
        else p += ch;
        afterAt = false;
        i++;
        continue;
      }
      if (!inAngle && !inGroup && ch === ':') {
        inGroup = true;
        p = '';
        s = '';
        i++;
        continue;
      }
      if (afterAt && ch === ':') {
        afterAt = false;
        append(ch);
        i++;
        continue;
      }
      if (inGroup && ch === ';') {
        inGroup = false;
        afterAt = false;
        i++;
        continue;
      }
      if (!inGroup && ch === ';') {
        append(ch);
        afterAt = false;
        i++;
        continue;
      }
      if (ch === '@') {
        afterAt = true;
        append(ch);
        i++;
        continue;
      }
      if (ch === ' ' || ch === '\t') {
        const j = run(i, STOP_NOT_WSP);
        append(str.slice(i, j));
        i = j;
        continue;
      }
      if (!',:;@<>()"[]\\'.includes(ch)) {
        const j = run(i, ',:;@<>()"[]\\');
        append(str.slice(i, j));
        i = j;
        continue;
      }
    }
    // Other junk.
    append(ch);
    i++;
  }
  flush();
  return addresses;
}

// Every character that ends a run of white space: anything but space and tab.
const STOP_NOT_WSP = Array.from({ length: 256 }, (_, c) => String.fromCharCode(c))
  .filter((c) => c !== ' ' && c !== '\t')
  .join('');

// amavis's unquoted (internal) form of one address from amavisAddressList, for the addresses the milter accepts:
// without source route or domain literal ("[" or ":" anywhere: undefined, the caller refuses). The domain starts at
// the last "@"; the local part loses its quotes and quoted pairs.
export function amavisUnquote(addr: string): string | undefined {
  const a = addr.replace(/^\s*</, '').replace(/>\s*$/, '');
  if (/[[\]:]/.test(a)) return undefined;
  const at = a.lastIndexOf('@');
  if (at < 0) return undefined;
  const local = a.slice(0, at).replace(/"|\\(.)|\\$/gs, '$1');
  return `${local}${a.slice(at)}`;
}
