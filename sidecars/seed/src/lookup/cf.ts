import type { PlannedFile } from '../plan.ts';

// Postfix *_table(5) files are `key = value` lines; a value may not span lines, so a newline is a bug upstream.
function renderCf(settings: Record<string, string | undefined>): string {
  const lines = ['# Rendered by the mta seed from the environment; FORCE_CONFIG re-renders it.'];
  for (const [k, v] of Object.entries(settings)) {
    if (v === undefined) continue;
    if (/[\r\n]/.test(v)) throw new Error(`${k} must be a single line`);
    lines.push(`${k} = ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

// A lookup table file: world-readable unless it holds a password, then only root and the postfix group may read it.
export function cfFile(path: string, settings: Record<string, string | undefined>, hasSecret: boolean): PlannedFile {
  const content = renderCf(settings);
  return hasSecret
    ? { path, content, mode: 0o640, owner: 'root', group: 'postfix' }
    : { path, content, mode: 0o644, owner: 'root', group: 'root' };
}
