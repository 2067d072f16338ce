// `npm run bench [name…]`: runs every bench/src/<name>.ts (or the named ones) in its own process, one after the
// other, so one bench's daemons and timers cannot disturb the next. Each writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const dir = import.meta.dirname;
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => basename(f, '.ts'))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`bench: unknown ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
const failed: string[] = [];
for (const name of wanted.length ? wanted : all) {
  console.log(`bench: ${name}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(dir, `${name}.ts`)], { stdio: 'inherit' });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.status === 0) console.log(`bench: ${name} done in ${s} s`);
  else {
    failed.push(name);
    console.error(`bench: ${name} failed (exit ${r.status ?? r.signal}) after ${s} s`);
  }
}
if (failed.length) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
