import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Families } from './families.ts';

// Pids seen per service at the last scrape: a new pid is a restart.
const lastPid = new Map<string, number>();

// runit's view of every supervised service ($SVDIR/<name>/supervise/{stat,pid}); names are the image's own.
export async function serviceGauges(f: Families, serviceDir: string): Promise<void> {
  const names = (await readdir(serviceDir).catch(() => [] as string[])).filter((n) => /^[\w.-]+$/.test(n)).sort();
  const up: [Record<string, string>, number][] = [];
  for (const service of names) {
    const sup = join(serviceDir, service, 'supervise');
    const stat = (await readFile(join(sup, 'stat'), 'utf8').catch(() => '')).trim();
    const pid = Number((await readFile(join(sup, 'pid'), 'utf8').catch(() => '')).trim()) || 0;
    up.push([{ service }, stat.startsWith('run') && pid > 0 ? 1 : 0]);
    const before = lastPid.get(service);
    if (before === undefined) f.serviceRestarts.inc({ service }, 0);
    else if (pid > 0 && pid !== before) f.serviceRestarts.inc({ service });
    if (pid > 0) lastPid.set(service, pid);
  }
  f.serviceUp.replace(up);
}
