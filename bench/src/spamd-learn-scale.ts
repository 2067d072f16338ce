// bench/spamd-learn-scale: how learning grows with the files kopano drops (200, 2,000 and 20,000 by default). Each run
// starts the real sidecar as shipped (the image's bundle, the launcher's flags) on a fresh root and Bayes DB, drops
// the files into kopano's spam folder as kopano does, and times until every file is learned (the sidecar's own
// count) and until the DB holds them all after the journal sync (sa-learn --dump magic as amavis, independently of
// the sidecar). The sidecar's peak RSS is kept per run. The per-file baseline stays in bench/spamd-learn (200 files).
// Writes bench/results/spamd-learn-scale.json; targets in report/catalog.ts.
import { mtaPaths } from '@mta/shared';
import { bundleSidecars, launcher } from '@mta/test/harness/bundle';
import { type Daemon, startDaemon, tempRoot } from '@mta/test/harness/index';
import { message } from '@mta/test/spamd/corpus';
import { bayesCounts, drop, KOPANO, logLines, makeLib } from '@mta/test/spamd/learner';
import { until } from './measure/poll.ts';
import { peakRssMB } from './measure/proc.ts';
import { addRun, curveOf } from './report/curves.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const SIZES = (process.env.BENCH_SIZES ?? '200,2000,20000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const learnedSoFar = (d: Daemon) =>
  logLines(d)
    .filter((l) => l.event === 'spamd.learned')
    .reduce((n, l) => n + Number(l.count ?? 0), 0);

const build = await tempRoot('mta-bench-spamd-scale-bundle-');
const SIDECAR = bundleSidecars(build.dir, ['spamd-learn'])['spamd-learn'] as string;
const { nodeFlags, env: launcherEnv } = launcher();

const learned = new Map<number, number[]>();
const synced = new Map<number, number[]>();
const rss = new Map<number, number[]>();

for (const size of SIZES) {
  // The messages are made once per size, outside the clock.
  const messages = Array.from({ length: size }, (_, i) => message('spam', i, 'bench'));
  for (let run = 0; run < RUNS; run++) {
    const t = await tempRoot('mta-bench-spamd-scale-');
    let sidecar: Daemon | undefined;
    try {
      const lib = await makeLib(t.dir);
      sidecar = startDaemon(process.execPath, [...nodeFlags, SIDECAR], {
        env: {
          PATH: process.env.PATH,
          ...launcherEnv,
          MTA_ROOT: t.dir,
          KOPANO_SPAMD_LIB: lib,
          KOPANO_SPAMD_GID: String(KOPANO.gid),
          MTA_NODE: 'bench',
          MAIL_DOMAIN: 'example.com',
          NATS_URL: 'nats://127.0.0.1:1',
        },
      });
      const d = sidecar;
      await until('sidecar ready', () => logLines(d).some((l) => l.event === 'spamd.ready') || d.proc.exitCode !== null, 60_000, 20);
      if (d.proc.exitCode !== null) throw new Error(`spamd-learn exited: ${d.output()}`);
      const t0 = performance.now();
      for (const [i, m] of messages.entries()) await drop(lib, 'spam', `S${i}.eml`, m);
      await until(`${size} files learned`, () => learnedSoFar(d) >= size || d.proc.exitCode !== null, 1_800_000, 50);
      if (d.proc.exitCode !== null) throw new Error(`spamd-learn exited: ${d.output()}`);
      addRun(learned, size, performance.now() - t0);
      const bayes = mtaPaths(t.dir).bayes;
      await until(`${size} files in the DB`, async () => (await bayesCounts(bayes)).nspam >= size, 600_000, 200);
      addRun(synced, size, performance.now() - t0);
      addRun(rss, size, peakRssMB(d.proc.pid as number));
      console.log(
        `spamd-learn-scale: ${size} files, run ${run + 1}: learned ${learned.get(size)?.at(-1)?.toFixed(0)} ms, in the DB ${synced.get(size)?.at(-1)?.toFixed(0)} ms, peak RSS ${rss.get(size)?.at(-1)} MB`,
      );
    } finally {
      await sidecar?.stop();
      await t.cleanup();
    }
  }
}
await build.cleanup();

const curves = {
  learned: curveOf('files dropped', 'until every file is learned (ms)', learned, 1.1),
  synced: curveOf('files dropped', 'until the DB holds every file (ms)', synced, 1.1),
  peakRss: curveOf('files dropped', 'spamd-learn peak RSS (MB)', rss, 1.1),
};
const largest = Math.max(...SIZES);
const largestSynced = curves.synced.points.find((p) => p.size === largest)?.value ?? Number.NaN;
writeResult('spamd-learn-scale', {
  ...resultHeader('spamd-learn-scale'),
  sizes: SIZES,
  runsPerSize: RUNS,
  curves,
  largest: {
    files: largest,
    msPerFile: Number((largestSynced / largest).toFixed(2)),
    peakRssMB: curves.peakRss.points.find((p) => p.size === largest)?.value,
  },
});
