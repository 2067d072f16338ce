import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsOp } from '@mta/shared';

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Temp files a killed run left next to its targets (writeAtomic's `.<name>.mta-tmp-<pid>-<n>`, the table writer's
// `.<name>.seed-tmp*`, and `<name>.<number>` of the write-file-atomic that older images used).
export async function removeStaleTemps(targets: readonly string[]): Promise<string[]> {
  const byDir = new Map<string, string[]>();
  for (const t of targets) byDir.set(dirname(t), [...(byDir.get(dirname(t)) ?? []), basename(t)]);
  const removed: string[] = [];
  for (const [dir, names] of byDir) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    const stale = new RegExp(
      `^(?:(?:${names.map(reEscape).join('|')})\\.\\d+|\\.(?:${names.map(reEscape).join('|')})\\.(?:seed-tmp(?:\\..*)?|mta-tmp-\\d+-\\d+))$`,
    );
    for (const e of entries.filter((n) => stale.test(n))) {
      await fsOp('remove', join(dir, e), () => rm(join(dir, e), { force: true }));
      removed.push(join(dir, e));
    }
  }
  return removed;
}
