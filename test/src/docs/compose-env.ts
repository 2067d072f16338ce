import { ErrorCode, MtaError } from '@mta/shared';
import { interpolate } from './interpolate.ts';

// What the snippet test needs of one compose service; `environment` values are interpolated, undefined = taken from the host.
export interface ComposeService {
  name: string;
  image?: string;
  hostname?: string;
  environment: Record<string, string | undefined>;
}

interface Line {
  indent: number;
  text: string;
  n: number;
}

const fail = (n: number, msg: string): never => {
  throw new MtaError(ErrorCode.Parse, `yaml line ${n}: ${msg}`);
};

// Scalars as compose snippets write them: plain (a " #" starts a comment), 'single' or "double" quoted.
export function scalar(raw: string, n = 0): string {
  const t = raw.trim();
  const single = /^'((?:[^']|'')*)'\s*(?:#.*)?$/.exec(t);
  if (single) return (single[1] ?? '').replace(/''/g, "'");
  const double = /^("(?:[^"\\]|\\.)*")\s*(?:#.*)?$/.exec(t);
  if (double) return JSON.parse(double[1] ?? '""') as string;
  if (/^['"]/.test(t)) fail(n, `unclosed or unsupported quoted string: ${t}`);
  if (/^[[{&*!|>%@`]/.test(t)) fail(n, `unsupported yaml construct: ${t}`);
  const plain = t.replace(/\s+#.*$/, '');
  // YAML would read "a: b" inside a plain scalar as a mapping, not as the string the author meant.
  if (/:(\s|$)/.test(plain)) fail(n, `quote this value, yaml reads ": " as a mapping: ${t}`);
  return plain;
}

function lines(yaml: string): Line[] {
  return yaml
    .split('\n')
    .map((l, i) => ({ indent: l.search(/\S/), text: l.trim(), n: i + 1 }))
    .filter((l) => l.indent >= 0 && !l.text.startsWith('#'));
}

// The direct children of a block's lines (all deeper than the block's key), each with its own nested lines.
function children(block: Line[]): { line: Line; body: Line[] }[] {
  const out: { line: Line; body: Line[] }[] = [];
  const level = block[0]?.indent ?? 0;
  for (let i = 0; i < block.length; ) {
    const line = block[i] as Line;
    if (line.indent !== level) fail(line.n, 'inconsistent indentation');
    const body: Line[] = [];
    for (i++; i < block.length && (block[i]?.indent ?? 0) > level; i++) body.push(block[i] as Line);
    out.push({ line, body });
  }
  return out;
}

function environment(body: Line[]): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const { line, body: more } of children(body)) {
    if (line.text.startsWith('- ')) {
      const item = scalar(line.text.slice(2), line.n);
      const i = item.indexOf('=');
      if (i < 0) env[item] = undefined;
      else env[item.slice(0, i)] = interpolate(item.slice(i + 1));
      continue;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*):(?:\s+(.*))?$/.exec(line.text) ?? fail(line.n, `not KEY: value: ${line.text}`);
    const [, key = '', value] = m;
    if (value === '|' || value === '|-')
      env[key] = interpolate(more.map((l) => `${' '.repeat(Math.max(0, l.indent - (more[0]?.indent ?? 0)))}${l.text}`).join('\n'));
    else env[key] = value === undefined ? undefined : interpolate(scalar(value, line.n));
  }
  return env;
}

// The services of a compose file: name, image, hostname and environment (list or map form); anything else is skipped.
export function composeServices(yaml: string): ComposeService[] {
  const all = lines(yaml);
  const top = all.findIndex((l) => l.indent === 0 && l.text === 'services:');
  if (top < 0) return [];
  const end = all.findIndex((l, i) => i > top && l.indent === 0);
  return children(all.slice(top + 1, end < 0 ? undefined : end)).map(({ line, body }) => {
    const name = /^([\w.-]+):$/.exec(line.text)?.[1] ?? fail(line.n, `not a service name: ${line.text}`);
    const svc: ComposeService = { name, environment: {} };
    for (const { line: key, body: sub } of children(body)) {
      const m = /^([\w-]+):(?:\s+(.*))?$/.exec(key.text);
      if (m?.[1] === 'image' && m[2]) svc.image = interpolate(scalar(m[2], key.n));
      if (m?.[1] === 'hostname' && m[2]) svc.hostname = interpolate(scalar(m[2], key.n));
      if (m?.[1] === 'environment') svc.environment = environment(sub);
    }
    return svc;
  });
}
