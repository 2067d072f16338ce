// bench/seed-scale: how seeding grows with the tables (1,000, 10,000 and 100,000 mailboxes plus as many aliases, by
// default). The seed runs as shipped (the image's bundle, the launcher's flags, a process per run, the lists given as
// MAIL_BOXES__FILE / MAIL_ALIASES__FILE as an operator with that many would, a local bus up), on a fresh root: the first start, then
// an unchanged re-run with FORCE_CONFIG; the baseline of the same run is a plain `postmap` of the same two table
// sources. Wall time and peak RSS per process from /usr/bin/time. Each curve gets its growth exponent (curves.ts).
// Writes bench/results/seed-scale.json; targets in report/catalog.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleSidecars, launcher } from '@mta/test/harness/bundle';
import { prepareSeedRoot, startNats, tempRoot, testInstanceEnv } from '@mta/test/harness/index';
import { addRun, curveOf, median } from './report/curves.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const work = await tempRoot('mta-bench-seed-scale-');
const SEED = bundleSidecars(join(work.dir, 'bundle'), ['seed']).seed as string;
const { nodeFlags, env: launcherEnv } = launcher();
// The local bus, as in the image (the seed announces its outcome on it; with no bus it waits for one before exiting).
const nats = await startNats();

// One process under /usr/bin/time: its wall time (ms) and peak RSS (MB).
function timed(cmd: string[], env: Record<string, string>): { ms: number; rssMB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M', ...cmd], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  const kb = /peak-rss-kb (\d+)/.exec(r.stderr)?.[1];
  if (r.status !== 0 || !kb) throw new Error(`${cmd.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}${r.stdout.slice(-2000)}`);
  return { ms, rssMB: Number((Number(kb) / 1024).toFixed(1)) };
}

const first = new Map<number, number[]>();
const rerun = new Map<number, number[]>();
const postmap = new Map<number, number[]>();
const firstRatio = new Map<number, number[]>();
const rerunRatio = new Map<number, number[]>();
const rss = new Map<number, number[]>();
try {
  for (const size of SIZES) {
    const lists = join(work.dir, `lists-${size}`);
    mkdirSync(lists);
    writeFileSync(join(lists, 'boxes'), Array.from({ length: size }, (_, i) => `user${i}@example.com`).join(' '));
    writeFileSync(
      join(lists, 'aliases'),
      Array.from({ length: size }, (_, i) => `alias${i}:user${i},user${(i + 1) % size}@example.com`).join(' '),
    );
    for (let run = 0; run < RUNS; run++) {
      const root = join(work.dir, `r${size}-${run}`);
      mkdirSync(root, { mode: 0o755 });
      prepareSeedRoot(root);
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...launcherEnv,
        ...testInstanceEnv(root),
        MTA_ROOT: root,
        MTA_VARIANT: 'full',
        NATS_URL: nats.url,
        MAIL_DOMAIN: 'example.com example.net',
        MAIL_BOXES__FILE: join(lists, 'boxes'),
        MAIL_ALIASES__FILE: join(lists, 'aliases'),
      };
      const a = timed([process.execPath, ...nodeFlags, SEED], env);
      // The result is real: the last mailbox and an alias resolve through the indexed tables.
      const etc = join(root, 'etc/postfix');
      const q = (table: string, key: string) =>
        execFileSync('postmap', ['-c', etc, '-q', key, `hash:${join(etc, table)}`], { encoding: 'utf8' }).trim();
      if (q('virtual_mailbox', `user${size - 1}@example.com`) !== `user${size - 1}@example.com`) throw new Error('mailbox lookup failed');
      if (q('virtual_alias', 'alias7@example.com') !== 'user7@example.com, user8@example.com') throw new Error('alias lookup failed');
      const b = timed([process.execPath, ...nodeFlags, SEED], { ...env, FORCE_CONFIG: 'yes' });
      // Baseline: the same two table sources, postmapped directly.
      const base = join(root, 'baseline');
      mkdirSync(base);
      const t0 = performance.now();
      for (const name of ['virtual_mailbox', 'virtual_alias']) {
        copyFileSync(join(etc, name), join(base, name));
        execFileSync('postmap', ['-c', etc, `hash:${join(base, name)}`]);
      }
      const p = performance.now() - t0;
      addRun(first, size, a.ms);
      addRun(rerun, size, b.ms);
      addRun(postmap, size, p);
      addRun(firstRatio, size, a.ms / p);
      addRun(rerunRatio, size, b.ms / p);
      addRun(rss, size, Math.max(a.rssMB, b.rssMB));
      console.log(
        `seed-scale: ${size}: first ${a.ms.toFixed(0)} ms (${a.rssMB} MB), re-run ${b.ms.toFixed(0)} ms (${b.rssMB} MB), ` +
          `postmap ${p.toFixed(0)} ms: ${(a.ms / p).toFixed(2)}x / ${(b.ms / p).toFixed(2)}x`,
      );
    }
    console.log(`seed-scale: ${size} mailboxes + ${size} aliases done`);
  }
} finally {
  await nats.stop();
  await work.cleanup();
}

// A growth curve needs two sizes: a single-size run (while iterating) reports its runs above and writes nothing.
if (SIZES.length < 2) process.exit(0);
const largest = Math.max(...SIZES);
const at = (m: Map<number, number[]>) => Number(median(m.get(largest) ?? []).toFixed(2));
writeResult('seed-scale', {
  ...resultHeader('seed-scale'),
  sizes: SIZES,
  runsPerSize: RUNS,
  curves: {
    firstStart: curveOf('mailboxes (+ as many aliases)', 'seed first start (ms)', first, 1.1),
    unchangedRerun: curveOf('mailboxes (+ as many aliases)', 'seed unchanged re-run (ms)', rerun, 1.1),
    postmap: curveOf('mailboxes (+ as many aliases)', 'plain postmap of the same tables (ms)', postmap),
    firstVsPostmap: curveOf('mailboxes (+ as many aliases)', 'seed first start / plain postmap', firstRatio),
    peakRss: curveOf('mailboxes (+ as many aliases)', 'seed peak RSS (MB)', rss, 1.1),
  },
  largest: {
    mailboxes: largest,
    firstVsPostmap: at(firstRatio),
    unchangedVsPostmap: at(rerunRatio),
    peakRssMB: at(rss),
  },
});
