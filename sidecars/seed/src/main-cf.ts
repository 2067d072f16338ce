const PARAM = /^([A-Za-z0-9_]+)\s*=/;
// A logical main.cf line continues on following lines that start with whitespace.
const CONTINUATION = /^[ \t]+\S/;

const line = (k: string, v: string) => (v === '' ? `${k} =` : `${k} = ${v}`);

// Sets main.cf parameters the way `postconf -e` does (replace in place, append the rest) but deterministically:
// new parameters are appended sorted by name, so the same settings always give the same bytes.
export function applyMainSettings(text: string, settings: Readonly<Record<string, string>>): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const done = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const name = PARAM.exec(lines[i] ?? '')?.[1];
    if (name === undefined || !Object.hasOwn(settings, name)) {
      out.push(lines[i] ?? '');
      continue;
    }
    while (i + 1 < lines.length && CONTINUATION.test(lines[i + 1] ?? '')) i++;
    if (!done.has(name)) out.push(line(name, settings[name] ?? ''));
    done.add(name);
  }
  const rest = Object.keys(settings)
    .filter((k) => !done.has(k))
    .sort();
  if (!rest.length) return out.join('\n');
  while (out.length && out.at(-1) === '') out.pop();
  return `${[...out, ...rest.map((k) => line(k, settings[k] ?? ''))].join('\n')}\n`;
}

// A parameter's raw value as `postconf -h` prints it (the last assignment wins; continuation lines joined), or ''
// when main.cf does not set it. Lets the seed check its own rendering without spawning postconf.
export function mainValue(text: string, name: string): string {
  let value = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? '';
    if (PARAM.exec(l)?.[1] !== name) continue;
    const parts = [l.slice(l.indexOf('=') + 1).trim()];
    while (i + 1 < lines.length && CONTINUATION.test(lines[i + 1] ?? '')) parts.push((lines[++i] ?? '').trim());
    value = parts.filter(Boolean).join(' ');
  }
  return value;
}

// Removes main.cf parameters the way `postconf -X` does (every assignment, continuation lines included), so postfix
// falls back to its own default; comments and everything else stay as they are.
export function removeMainSettings(text: string, names: readonly string[]): string {
  if (!names.length) return text;
  const drop = new Set(names);
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = PARAM.exec(lines[i] ?? '')?.[1];
    if (name === undefined || !drop.has(name)) {
      out.push(lines[i] ?? '');
      continue;
    }
    while (i + 1 < lines.length && CONTINUATION.test(lines[i + 1] ?? '')) i++;
  }
  return out.join('\n');
}
