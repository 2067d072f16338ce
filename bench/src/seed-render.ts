// bench/seed-render: the seed renders and applies 1000 MAIL_BOXES + 1000 MAIL_ALIASES into a fresh root
// (validation, staged postfix check, tables postmapped, main.cf/master.cf written, unlock removed), then again with
// FORCE_CONFIG and nothing changed. Baseline in the same round: writing the same two table sources and a plain
// `postmap` of each, the floor for any seed. Rounds interleave the three, so each ratio compares runs that saw the
// same host load. Writes bench/results/seed-render.json; targets in report/catalog.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSeed } from '@mta/seed/run';
import { memoryLogger, prepareSeedRoot, tempRoot, testInstanceEnv } from '@mta/test/harness/index';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const N = Number(process.env.ENTRIES ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ratio = (a: number[], b: number[]) => Number((median(a) / median(b)).toFixed(2));

const boxes = Array.from({ length: N }, (_, i) => `user${i}@example.com`);
const aliases = Array.from({ length: N }, (_, i) => `alias${i}:user${i},user${(i + 1) % N}@example.com`);
const env = (root: string) => ({
  ...testInstanceEnv(root),
  MAIL_DOMAIN: 'example.com example.net',
  MAIL_BOXES: boxes.join(' '),
  MAIL_ALIASES: aliases.join(' '),
});

const { dir, cleanup } = await tempRoot('mta-bench-seed-');
const seedMs: number[] = [];
const rerunMs: number[] = [];
const baselineMs: number[] = [];
const phases: Record<string, number[]> = {};
try {
  // Round 0 warms up (module loading, the page cache of postfix's binaries) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    const root = join(dir, `r${round}`);
    mkdirSync(root, { mode: 0o755 });
    prepareSeedRoot(root);
    const lines: string[] = [];
    const r = await runSeed({ env: env(root), root, variant: 'full', log: memoryLogger(lines) });
    if (r.status !== 'applied') throw new Error(`seed ${r.status}: ${JSON.stringify(r.errors)}`);
    const timing = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'seed.timing');

    // The result is real: the last mailbox and an alias resolve through the indexed tables.
    const etc = join(root, 'etc/postfix');
    const q = (table: string, key: string) =>
      execFileSync('postmap', ['-c', etc, '-q', key, `hash:${join(etc, table)}`], { encoding: 'utf8' }).trim();
    if (q('virtual_mailbox', `user${N - 1}@example.com`) !== `user${N - 1}@example.com`) throw new Error('mailbox lookup failed');
    if (q('virtual_alias', 'alias7@example.com') !== 'user7@example.com, user8@example.com') throw new Error('alias lookup failed');

    const again = await runSeed({ env: { ...env(root), FORCE_CONFIG: 'yes' }, root, variant: 'full', log: memoryLogger([]) });
    if (again.changed.length) throw new Error(`unchanged re-run wrote ${again.changed.join(', ')}`);

    // Baseline: the same tables written and postmapped directly.
    const base = join(root, 'baseline');
    mkdirSync(base);
    const t0 = performance.now();
    for (const name of ['virtual_mailbox', 'virtual_alias']) {
      const src = join(base, name);
      execFileSync('cp', [join(etc, name), src]);
      execFileSync('postmap', ['-c', etc, `hash:${src}`]);
    }
    writeFileSync(join(base, 'done'), '');
    if (round === 0) continue;
    baselineMs.push(Math.round(performance.now() - t0));
    seedMs.push(r.durationMs);
    rerunMs.push(again.durationMs);
    for (const [k, v] of Object.entries(timing?.phases ?? {})) (phases[k] ??= []).push(v as number);
  }
} finally {
  await cleanup();
}

writeResult('seed-render', {
  ...resultHeader('seed-render'),
  mailboxes: N,
  aliases: N,
  rounds: ROUNDS,
  firstStart: { medianMs: median(seedMs), vsPostmap: ratio(seedMs, baselineMs), samplesMs: seedMs },
  firstStartPhasesMedianMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)])),
  unchangedRerun: { medianMs: median(rerunMs), vsPostmap: ratio(rerunMs, baselineMs), samplesMs: rerunMs },
  baselinePlainPostmap: { medianMs: median(baselineMs), samplesMs: baselineMs },
  note: 'runSeed in-process (node start-up and module loading belong to the startup bench); medians over the rounds, ratios of medians',
});
