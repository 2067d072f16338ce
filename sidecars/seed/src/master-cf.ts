import type { MasterEntry } from './plan.ts';

interface Block {
  key?: string;
  lines: string[];
}

// Splits master.cf into entries (first line + indented continuation lines); comments and blanks are their own blocks.
function blocks(text: string): Block[] {
  const out: Block[] = [];
  for (const line of text.split('\n')) {
    const last = out.at(-1);
    if (/^\s+\S/.test(line) && !/^\s*#/.test(line) && last?.key) {
      last.lines.push(line);
      continue;
    }
    const m = /^([^\s#]+)\s+(\S+)/.exec(line);
    out.push(m ? { key: `${m[1]}/${m[2]}`, lines: [line] } : { lines: [line] });
  }
  return out;
}

// Replaces each entry's service/type in place, appending the ones that are new; everything else stays byte-identical.
export function applyMasterEntries(text: string, entries: readonly MasterEntry[]): string {
  const want = new Map(entries.map((e) => [`${e.service}/${e.type}`, e.entry.replace(/\n+$/, '')]));
  const done = new Set<string>();
  const out: string[] = [];
  for (const b of blocks(text)) {
    const repl = b.key === undefined ? undefined : want.get(b.key);
    if (repl === undefined) out.push(...b.lines);
    else if (!done.has(b.key!)) {
      if (repl) out.push(repl);
      done.add(b.key!);
    }
  }
  const missing = [...want].filter(([k, v]) => v && !done.has(k)).map(([, v]) => v);
  if (!missing.length) return out.join('\n');
  while (out.length && out.at(-1) === '') out.pop();
  return `${[...out, ...missing].join('\n')}\n`;
}

// Every service without chroot: the image has no chroot jail (no copies of /etc files under the queue dir).
export function disableChroot(text: string): string {
  return text
    .split('\n')
    .map((l) => {
      if (!/^[^\s#]/.test(l)) return l;
      const f = l.split(/\s+/);
      if (f.length < 8 || f[4] === 'n') return l;
      f[4] = 'n';
      return `${(f[0] ?? '').padEnd(10)} ${(f[1] ?? '').padEnd(5)} ${f
        .slice(2, 7)
        .map((x) => x.padEnd(7))
        .join(' ')} ${f.slice(7).join(' ')}`;
    })
    .join('\n');
}

// Sets one `-o name=value` of an entry, replacing an earlier value of the same name (postfix would take the last).
export function setOption(entry: string, name: string, value: string): string {
  const lines = entry.replace(/\n+$/, '').split('\n');
  const line = `  -o ${name}=${value}`;
  const i = lines.findIndex((l) => l.trim().startsWith(`-o ${name}=`));
  if (i >= 0) lines[i] = line;
  else lines.push(line);
  return lines.join('\n');
}

// The value of one `-o name=value` of an entry, if set.
export function optionOf(entry: string, name: string): string | undefined {
  const l = entry.split('\n').find((x) => x.trim().startsWith(`-o ${name}=`));
  return l?.trim().slice(`-o ${name}=`.length);
}

// Whether master.cf defines `service/type` (what `postconf -M service/type` would print).
export const hasMasterEntry = (text: string, key: string): boolean => blocks(text).some((b) => b.key === key);
