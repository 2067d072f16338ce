// bench/guard-scale: how the guard's cost grows with the bans in force (100, 10,000, 100,000 by default). At each
// size the real guard sidecar starts on a /srv holding that many ban files; then, RUNS times, one more ban is written
// as `mta guard ban` writes it (BanStore.put) and timed until postfix's own table answers for it (`postmap -q`), and
// postfix's lookup cost is timed as postmap -q over LOOKUPS keys (half banned) against the guard's lmdb table. The
// guard's cold start (COLD_STARTS times, each without the tables, as a container starts) and its peak RSS (as shipped:
// the bundle, the launcher's flags) are kept per size. Each curve gets its growth exponent (curves.ts).
// Writes bench/results/guard-scale.json; targets in report/catalog.ts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BanStore } from '@mta/guard';
import { GUARD_TABLE_TYPE, guardPostfixRef, mtaPaths, tableIndex } from '@mta/shared';
import { bundleSidecars, launcher } from '@mta/test/harness/bundle';
import { type Daemon, startDaemon, tempRoot } from '@mta/test/harness/index';
import { until } from './measure/poll.ts';
import { peakRssMB } from './measure/proc.ts';
import { addRun, curveOf } from './report/curves.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const SIZES = (process.env.BENCH_SIZES ?? '100,10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Cold starts per size (the median is the figure); the last one's guard serves the timed runs.
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 3);
const LOOKUPS = 2000;

// The i-th address of a size's bans (10.0.0.0/8 holds 16M).
const banned = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const banFile = (ip: string, now: number) =>
  `${JSON.stringify({ ip, since: new Date(now).toISOString(), until: new Date(now + 86_400_000).toISOString(), reason: 'bench', origin: 'operator', node: 'bench' })}\n`;

function postmapQuery(root: string, keys: string[]): { found: number; ms: number } {
  const paths = mtaPaths(root);
  const t0 = performance.now();
  const r = spawnSync('postmap', ['-c', paths.postfixConf, '-q', '-', guardPostfixRef(paths)], {
    input: `${keys.join('\n')}\n`,
    encoding: 'utf8',
  });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`postmap -q: ${r.stderr}`);
  return { found: r.stdout.split('\n').filter(Boolean).length, ms };
}

// The guard as shipped: the image's bundle, started with the flags of the image's sidecar launcher.
const build = await tempRoot('mta-bench-guard-bundle-');
const GUARD = bundleSidecars(build.dir, ['guard']).guard as string;
const { nodeFlags, env: launcherEnv } = launcher();
const startGuard = (root: string): Daemon =>
  startDaemon(process.execPath, [...nodeFlags, GUARD], {
    env: {
      PATH: process.env.PATH,
      ...launcherEnv,
      MTA_ROOT: root,
      HOSTNAME: 'mx.bench.test',
      NATS_URL: 'nats://127.0.0.1:1',
      SYSLOG_LEVEL: '6',
    },
  });

const applyBan = new Map<number, number[]>();
const lookup = new Map<number, number[]>();
const coldStart = new Map<number, number[]>();
const rss = new Map<number, number[]>();
for (const size of SIZES) {
  const t = await tempRoot('mta-bench-guard-scale-');
  let guard: Daemon | undefined;
  try {
    const paths = mtaPaths(t.dir);
    mkdirSync(paths.postfixConf, { recursive: true });
    writeFileSync(join(paths.postfixConf, 'main.cf'), 'mynetworks = 127.0.0.0/8\n');
    const store = new BanStore(paths.guardState);
    await store.ensure();
    const now = Date.now();
    for (let i = 0; i < size; i++) writeFileSync(join(store.dir, `${banned(i)}.json`), banFile(banned(i), now));
    // Each cold start as a container's: the ban files on /srv, no table under etc/ (not persisted).
    const peaks: number[] = [];
    for (let start = 0; start < COLD_STARTS; start++) {
      if (guard) peaks.push(peakRssMB(guard.proc.pid as number));
      await guard?.stop();
      rmSync(tableIndex(paths.guardPostfixTable, GUARD_TABLE_TYPE), { force: true });
      rmSync(paths.guardDovecotDir, { recursive: true, force: true });
      const t0 = performance.now();
      guard = startGuard(t.dir);
      const g = guard;
      await until('guard ready', () => g.output().includes('"guard.ready"') || g.proc.exitCode !== null, 600_000);
      if (g.proc.exitCode !== null) throw new Error(`guard exited: ${g.output()}`);
      addRun(coldStart, size, performance.now() - t0);
    }
    const g = guard as Daemon;
    // Every ban of the size is in postfix's table before anything is timed.
    const sample = Array.from({ length: Math.min(size, LOOKUPS) }, (_, i) => banned(Math.floor((i * size) / Math.min(size, LOOKUPS))));
    if (postmapQuery(t.dir, sample).found !== sample.length) throw new Error(`size ${size}: the table lacks bans`);

    for (let run = 0; run < RUNS; run++) {
      const ip = `11.0.${run}.1`;
      const s = performance.now();
      await store.put(JSON.parse(banFile(ip, Date.now())));
      await until(`ban ${ip} in postfix's table`, () => postmapQuery(t.dir, [ip]).found === 1, 60_000);
      addRun(applyBan, size, performance.now() - s);
      const keys = Array.from({ length: LOOKUPS }, (_, i) => (i % 2 ? banned((i * 7919) % size) : `12.0.${i >> 8}.${i & 255}`));
      const q = postmapQuery(t.dir, keys);
      if (q.found !== LOOKUPS / 2) throw new Error(`lookup: ${q.found} of ${LOOKUPS / 2} banned keys found`);
      addRun(lookup, size, (q.ms * 1000) / LOOKUPS);
    }
    rss.set(size, [...peaks, peakRssMB(g.proc.pid as number)]);
    const starts = (coldStart.get(size) ?? []).map((ms) => ms.toFixed(0)).join(', ');
    console.log(`guard-scale: ${size} bans: cold starts ${starts} ms, peak RSS ${rss.get(size)?.join(', ')} MB`);
  } finally {
    await guard?.stop();
    await t.cleanup();
  }
}

await build.cleanup();
const largest = Math.max(...SIZES);
const curves = {
  applyBan: curveOf('bans in force', 'apply one ban until postfix sees it (ms)', applyBan, 0.2),
  lookup: curveOf('bans in force', 'postfix lookup (µs per key)', lookup, 0.2),
  coldStart: curveOf('bans in force', 'guard start until ready (ms)', coldStart, 1.1),
  peakRss: curveOf('bans in force', 'guard peak RSS (MB)', rss, 1.1),
};
writeResult('guard-scale', {
  ...resultHeader('guard-scale'),
  sizes: SIZES,
  runsPerSize: RUNS,
  coldStartsPerSize: COLD_STARTS,
  curves,
  largest: { bans: largest, peakRssMB: curves.peakRss.points.find((p) => p.size === largest)?.value },
});
