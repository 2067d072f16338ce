// Authentication-Results text (RFC 8601), as a trusted sealer recorded it in its ARC-Authentication-Results: the
// results after the authserv-id, comments dropped. Only what the override needs is read: method, result and the
// properties (ptype.property=value).
export interface ResInfo {
  method: string;
  result: string;
  props: Record<string, string>;
}

// Comments may nest; quoted strings may hold parentheses and semicolons.
function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const c = text[k] as string;
    if (quoted) {
      if (c === '\\') k++;
      else if (c === '"') quoted = false;
      if (!depth) out += c === '\\' ? '' : c;
      continue;
    }
    if (c === '"' && !depth) quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && depth) {
      depth--;
      out += ' ';
      continue;
    }
    if (!depth) out += c;
  }
  return out;
}

// "authserv-id; method=result ptype.prop=value …; …" -> the results (the authserv-id is skipped).
export function parseResults(text: string): ResInfo[] {
  const [, ...parts] = stripComments(text).match(/(?:[^;"]|"(?:[^"\\]|\\.)*")+|(?<=;)(?=;)/g) ?? [];
  const out: ResInfo[] = [];
  for (const part of parts) {
    const [head, ...rest] = part.trim().split(/[ \t\r\n]+/);
    const m = /^([a-z0-9_-]+)=([a-z]+)$/i.exec(head ?? '');
    if (!m) continue;
    const props: Record<string, string> = {};
    for (const tok of rest) {
      const p = /^([a-z0-9_-]+\.[a-z0-9_.-]+)=(.+)$/i.exec(tok);
      if (p) props[(p[1] as string).toLowerCase()] = (p[2] as string).replace(/^"|"$/g, '');
    }
    out.push({ method: (m[1] as string).toLowerCase(), result: (m[2] as string).toLowerCase(), props });
  }
  return out;
}

const domainOf = (v: string | undefined): string | undefined => v?.replace(/^.*@/, '').toLowerCase();

// Did the sealer see the From domain authenticated? dmarc=pass for it, or a dkim or spf pass of exactly that domain
// (strict alignment: without the public suffix list a parent domain is not taken for aligned).
export function vouchedBy(results: ResInfo[], fromDomain: string): 'dmarc' | 'dkim' | 'spf' | undefined {
  for (const r of results) {
    if (r.result !== 'pass') continue;
    if (r.method === 'dmarc' && domainOf(r.props['header.from']) === fromDomain) return 'dmarc';
    if (r.method === 'dkim' && domainOf(r.props['header.d']) === fromDomain) return 'dkim';
    if (r.method === 'spf' && domainOf(r.props['smtp.mailfrom']) === fromDomain) return 'spf';
  }
  return undefined;
}
