import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PlanPart } from '@mta/seed/plan';

const ids = (user?: string, group?: string) => ({
  uid: user ? Number(execFileSync('id', ['-u', user]).toString()) : undefined,
  gid: group ? Number(execFileSync('getent', ['group', group]).toString().split(':')[2]) : undefined,
});

// Writes a renderer's part the way the seed's applier does (dirs, files with owner/mode, postconf, master.cf),
// so the filter tests exercise exactly what the renderer produced.
export function applyPart(part: PlanPart, postfixConf?: string): void {
  if (part.errors?.length) throw new Error(`renderer errors: ${part.errors.map((e) => `${e.variable}: ${e.message}`).join('; ')}`);
  for (const d of part.dirs ?? []) {
    // Parents must stay traversable (0755) for the daemons' users; only the leaf gets the planned mode.
    mkdirSync(d.path, { recursive: true, mode: 0o755 });
    const { uid, gid } = ids(d.owner, d.group);
    chownSync(d.path, uid ?? 0, gid ?? 0);
    execFileSync('chmod', [d.mode.toString(8), d.path]);
  }
  for (const f of part.files ?? []) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content, { mode: f.mode });
    const { uid, gid } = ids(f.owner, f.group);
    chownSync(f.path, uid ?? 0, gid ?? 0);
  }
  if (!postfixConf) return;
  const pc = Object.entries(part.postconf ?? {}).map(([k, v]) => `${k}=${v}`);
  if (pc.length) execFileSync('postconf', ['-c', postfixConf, '-e', ...pc]);
  for (const m of part.master ?? []) {
    const line = m.entry.replace(/\n\s+/g, ' ');
    execFileSync('postconf', ['-c', postfixConf, '-M', `${m.service}/${m.type}=${line}`]);
  }
}
