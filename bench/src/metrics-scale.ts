// bench/metrics-scale: how a /metrics scrape grows with the postfix queue (0, 1,000, 10,000 and 100,000 deferred
// messages, by default). A real postfix takes the messages over SMTP and defers them (defer_transports=smtp: queued, never
// sent); the metrics sidecar as shipped (bundle, launcher flags) scrapes with its cache off (METRICS_SCRAPE_CACHE=0,
// so each scrape walks the whole queue). Sizes are reached one after the other on the same queue. Scrape time per
// size (RUNS scrapes, medians) and the sidecar's peak RSS. Writes bench/results/metrics-scale.json.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { mtaPaths } from '@mta/shared';
import { bundleSidecars, launcher } from '@mta/test/harness/bundle';
import { type Daemon, freePort, scaffoldConfig, startDaemon, startPostfix, tempRoot } from '@mta/test/harness/index';
import { peakRssMB } from './measure/proc.ts';
import { addRun, curveOf, median } from './report/curves.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const SIZES = (process.env.BENCH_SIZES ?? '0,1000,10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CONNECTIONS = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Sends `count` messages on one SMTP connection, each waiting for its reply (no pipelining: what postfix accepts).
async function sendMany(port: number, count: number, tag: string): Promise<void> {
  const sock: Socket = createConnection({ host: '127.0.0.1', port });
  let buf = '';
  const waiting: ((line: string) => void)[] = [];
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (/^\d{3} /.test(line)) waiting.shift()?.(line);
    }
  });
  const reply = () => new Promise<string>((r) => waiting.push(r));
  const say = async (line: string, want: string) => {
    const p = reply();
    sock.write(`${line}\r\n`);
    const got = await p;
    if (!got.startsWith(want)) throw new Error(`${line.slice(0, 40)}: ${got}`);
  };
  const greeting = reply();
  if (!(await greeting).startsWith('220')) throw new Error('no greeting');
  await say('EHLO bench.example.net', '250');
  for (let i = 0; i < count; i++) {
    await say('MAIL FROM:<bench@example.net>', '250');
    await say(`RCPT TO:<rcpt${i}@remote.example.org>`, '250');
    await say('DATA', '354');
    await say(`Subject: ${tag} ${i}\r\nMessage-ID: <${tag}.${i}@example.net>\r\n\r\nqueued for the bench\r\n.`, '250');
  }
  await say('QUIT', '221');
  sock.destroy();
}

// Files below a directory, hashed subdirectories included.
const countFiles = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countFiles(join(dir, e.name)) : 1), 0);

const root = await tempRoot('mta-bench-metrics-scale-');
const daemons: Daemon[] = [];
const scrapeMs = new Map<number, number[]>();
const rss = new Map<number, number[]>();
try {
  const paths = mtaPaths(root.dir);
  const smtpPort = await freePort();
  mkdirSync(paths.postfixQueue, { recursive: true });
  const etc = scaffoldConfig(root.dir, smtpPort, {
    queue_directory: paths.postfixQueue,
    mynetworks: '127.0.0.0/8',
    mydestination: '',
    relayhost: '[127.0.0.1]:9',
    defer_transports: 'smtp',
    // The bench fills the queue faster than the defaults let one client.
    smtpd_client_message_rate_limit: '0',
    qmgr_message_active_limit: '200000',
  });
  const postfix = await startPostfix(etc, smtpPort);
  daemons.push(postfix);
  const build = await tempRoot('mta-bench-metrics-bundle-');
  const METRICS = bundleSidecars(join(build.dir, 'bundle'), ['metrics']).metrics as string;
  // The version it reports comes from the package.json beside its bundle, as in the image.
  copyFileSync(new URL('../../sidecars/metrics/package.json', import.meta.url), join(dirname(dirname(METRICS)), 'package.json'));
  const { nodeFlags, env: launcherEnv } = launcher();
  const listen = await freePort();
  const metrics = startDaemon(process.execPath, [...nodeFlags, METRICS], {
    env: {
      PATH: process.env.PATH,
      ...launcherEnv,
      MTA_ROOT: root.dir,
      HOSTNAME: 'mx.bench.test',
      NATS_URL: 'nats://127.0.0.1:1',
      METRICS: 'yes',
      METRICS_LISTEN: `127.0.0.1:${listen}`,
      METRICS_SCRAPE_CACHE: '0',
    },
  });
  daemons.push(metrics);
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${listen}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
  };
  for (let t = Date.now(); ; await sleep(100)) {
    if (
      await scrape().then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() - t > 30_000) throw new Error(`metrics not serving: ${metrics.output()}`);
  }
  const deferredDir = join(paths.postfixQueue, 'deferred');
  let queued = 0;
  for (const size of SIZES) {
    const more = size - queued;
    if (more > 0) {
      const per = Math.ceil(more / CONNECTIONS);
      await Promise.all(
        Array.from({ length: CONNECTIONS }, (_, c) => sendMany(smtpPort, Math.max(0, Math.min(per, more - c * per)), `s${size}c${c}`)),
      );
      queued = size;
      for (let t = Date.now(); countFiles(deferredDir) < size; await sleep(500))
        if (Date.now() - t > 600_000) throw new Error(`only ${countFiles(deferredDir)} of ${size} deferred`);
    }
    const seen = new RegExp(`^mta_postfix_queue_messages\\{queue="deferred"\\} ${size}$`, 'm');
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      const text = await scrape();
      const ms = performance.now() - t0;
      if (!seen.test(text)) throw new Error(`scrape at ${size}: ${text.match(/^mta_postfix_queue_messages\{queue="deferred"\}.*$/m)?.[0]}`);
      addRun(scrapeMs, size, ms);
    }
    rss.set(size, [peakRssMB(metrics.proc.pid as number)]);
    console.log(`metrics-scale: ${size} deferred done`);
  }
  await build.cleanup();
} finally {
  for (const d of daemons.reverse()) await d.stop();
  await root.cleanup();
}

// The empty queue has no place on a log axis: the curves start at the first non-empty size.
const nonEmpty = (m: Map<number, number[]>) => new Map([...m].filter(([size]) => size > 0));
const largest = Math.max(...SIZES);
const med = (xs: number[] = []) => Number(median(xs).toFixed(1));
writeResult('metrics-scale', {
  ...resultHeader('metrics-scale'),
  sizes: SIZES,
  runsPerSize: RUNS,
  emptyQueue: { scrapeMs: med(scrapeMs.get(0)), peakRssMB: rss.get(0)?.[0] },
  curves: {
    scrape: curveOf('deferred messages', 'scrape, cache off (ms)', nonEmpty(scrapeMs), 1.1),
    peakRss: curveOf('deferred messages', 'metrics sidecar peak RSS (MB)', nonEmpty(rss), 1.1),
  },
  largest: { deferred: largest, scrapeMs: med(scrapeMs.get(largest)), peakRssMB: rss.get(largest)?.[0] },
});
