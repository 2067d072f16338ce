// Content-filter throughput: the same GTUBE-free corpus through (1) the scanners alone (spamd + clamd, concurrency =
// CPU count: the ceiling of any SpamAssassin-based pipeline here) and (2) the full chain via SMTP until delivered.
// Efficiency = (2)/(1), target >= 0.8. Then a large run (default 10 000 messages, concurrency 50) that must lose
// nothing: accepted = delivered + quarantined. Writes bench/results/pipeline.json.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import nodemailer from 'nodemailer';
import { type FilterChain, startFilterChain } from '../../test/src/filter/chain.ts';
import { startDaemon } from '../../test/src/harness/daemon.ts';
import { eventually, freePort, waitForPort } from '../../test/src/harness/net.ts';
import { type CorpusMessage, makeCorpus } from './pipeline/corpus.ts';
import { clamdScan, pool, spamdCheck } from './pipeline/scanners.ts';
import { resultHeader } from './report/header.ts';

const CPUS = availableParallelism();
const N = Number(process.env.BENCH_PIPELINE_N ?? 300);
const LARGE = Number(process.env.BENCH_PIPELINE_LARGE ?? 10_000);
const LARGE_CONCURRENCY = Number(process.env.BENCH_PIPELINE_CONCURRENCY ?? 50);
const CHUNK = Number(process.env.BENCH_PIPELINE_CHUNK ?? 100);
const WARMUP = 20;

const rate = (n: number, ms: number) => Number(((n * 1000) / ms).toFixed(2));

const MSGID = /^Message-ID:\s*(<[^>]+>)/im;
// Message-IDs seen at the sink, and in the quarantine (read once per file). With D_PASS amavis may quarantine a copy
// of spam AND deliver it, so completeness is judged per message: delivered or quarantined, never neither.
const delivered = new Set<string>();
const quarantineIds = new Map<string, string>();
function collect(c: FilterChain): void {
  for (const m of c.sink.mails.splice(0)) {
    const id = MSGID.exec(m.raw.split(/\r?\n\r?\n/, 1)[0] ?? '')?.[1];
    if (id) delivered.add(id);
  }
  if (!existsSync(c.layout.quarantine)) return;
  for (const f of readdirSync(c.layout.quarantine, { recursive: true, encoding: 'utf8' })) {
    if (!/-/.test(f) || quarantineIds.has(f)) continue;
    try {
      const raw = readFileSync(join(c.layout.quarantine, f));
      const text = (f.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
      quarantineIds.set(f, MSGID.exec(text.split(/\r?\n\r?\n/, 1)[0] ?? '')?.[1] ?? '');
    } catch {
      // amavis is still writing it: read it on the next pass
    }
  }
}
const msgId = (m: CorpusMessage) => MSGID.exec(m.raw)?.[1] ?? '';

// spamd with the very SpamAssassin config amavis loads (same site dir, Bayes, test DNS), one child per CPU.
async function startSpamd(c: FilterChain): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const spamd = startDaemon('spamd', [
    `--siteconfigpath=${c.layout.saConfDir}`,
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-A',
    '127.0.0.1',
    '-u',
    'amavis',
    `--helper-home-dir=${c.layout.amavisHome}`,
    '-x',
    '-s',
    'stderr',
    `--max-children=${CPUS}`,
    `--min-children=${CPUS}`,
    `--min-spare=${CPUS}`,
    `--max-spare=${CPUS}`,
    `--pidfile=${c.root}/spamd.pid`,
  ]);
  try {
    await waitForPort(port, '127.0.0.1', 60_000);
  } catch (e) {
    await spamd.stop();
    throw e;
  }
  return { port, stop: () => spamd.stop() };
}

// (1): every message through spamd and clamd in parallel, CPU-count messages in flight; returns elapsed ms.
async function scanAll(c: FilterChain, spamdPort: number, batch: CorpusMessage[]): Promise<number> {
  const t = performance.now();
  await pool(batch, CPUS, (m) => Promise.all([spamdCheck(spamdPort, m.raw), clamdScan(c.layout.clamdSocket, m.raw)]));
  return performance.now() - t;
}

// Sends over SMTP with `concurrency` connections and waits until every accepted message was delivered or
// quarantined; returns the counts so losses show.
// With BENCH_PIPELINE_LARGE=0 (a quick efficiency re-run) the last large run's result is kept, marked with its date.
function previousLarge(): unknown {
  try {
    const prev = JSON.parse(readFileSync(fileURLToPath(new URL('../results/pipeline.json', import.meta.url)), 'utf8'));
    return prev.large && typeof prev.large === 'object' ? { ...prev.large, measuredAt: prev.large.measuredAt ?? prev.at } : null;
  } catch {
    return null;
  }
}

let run = 0;
async function throughChain(c: FilterChain, source: CorpusMessage[], concurrency: number, timeoutMs: number) {
  // Each run re-sends the corpus under fresh Message-IDs, so an earlier run's deliveries cannot count.
  const tag = ++run;
  const corpus = source.map((m) => ({ ...m, raw: m.raw.replace(/^(Message-ID: <[^@>]+)/m, `$1.r${tag}`) }));
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: c.port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: concurrency,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  const accepted: CorpusMessage[] = [];
  let refused = 0;
  const t = performance.now();
  await pool(corpus, concurrency, async (m) => {
    try {
      await transport.sendMail({ envelope: { from: m.from, to: [m.to] }, raw: m.raw });
      accepted.push(m);
    } catch {
      refused++;
    }
    if ((accepted.length + refused) % 200 === 0) collect(c);
  });
  const acceptedMs = performance.now() - t;
  transport.close();
  const everyDelivered = () => accepted.every((m) => delivered.has(msgId(m)));
  const missing = () => {
    collect(c);
    const q = new Set(quarantineIds.values());
    return accepted.filter((m) => !delivered.has(msgId(m)) && !q.has(msgId(m)));
  };
  await eventually(() => missing().length === 0, timeoutMs, 'all accepted messages delivered or quarantined').catch(() => undefined);
  // Timed to the sink's last receipt when every message was delivered; quarantine-only ones have no such moment.
  const ms = everyDelivered() ? c.sink.lastAt() - t : performance.now() - t;
  const q = new Set(quarantineIds.values());
  const deliveredN = accepted.filter((m) => delivered.has(msgId(m))).length;
  const onlyQuarantined = accepted.filter((m) => !delivered.has(msgId(m)) && q.has(msgId(m))).length;
  return {
    sent: corpus.length,
    accepted: accepted.length,
    refused,
    delivered: deliveredN,
    quarantinedOnly: onlyQuarantined,
    quarantinedCopies: accepted.filter((m) => q.has(msgId(m))).length,
    lost: missing().length,
    acceptMs: Math.round(acceptedMs),
    ms: Math.round(ms),
    perSec: rate(deliveredN + onlyQuarantined, ms),
  };
}

// Tuning experiments: AMAVIS_MAX_SERVERS as the product reads it, BENCH_AMAVIS_LOCAL as extra amavis Perl.
const env: Record<string, string> = process.env.AMAVIS_MAX_SERVERS ? { AMAVIS_MAX_SERVERS: process.env.AMAVIS_MAX_SERVERS } : {};
const c = await startFilterChain({ env, cpus: CPUS, amavisLocal: process.env.BENCH_AMAVIS_LOCAL });
try {
  const corpus = makeCorpus(N);
  const loadBefore = loadavg()[0];
  // The host is shared and its load swings: (1) and (2) alternate chunk by chunk, so both see the same load, and
  // the ratio is taken over the summed times.
  const spamd = await startSpamd(c);
  const chunks: { scanMs: number; chainMs: number; done: number; lost: number }[] = [];
  try {
    await scanAll(c, spamd.port, makeCorpus(WARMUP, 1));
    await throughChain(c, makeCorpus(WARMUP, 1), CPUS, 120_000);
    for (let i = 0; i < corpus.length; i += CHUNK) {
      const batch = corpus.slice(i, i + CHUNK);
      const scanMs = await scanAll(c, spamd.port, batch);
      const ch = await throughChain(c, batch, CPUS, 600_000);
      chunks.push({ scanMs: Math.round(scanMs), chainMs: ch.ms, done: ch.delivered + ch.quarantinedOnly, lost: ch.lost });
      console.log(`chunk ${chunks.length}: scanners ${rate(batch.length, scanMs)} msg/s, chain ${ch.perSec} msg/s, lost ${ch.lost}`);
    }
  } finally {
    await spamd.stop();
  }
  const sum = (k: 'scanMs' | 'chainMs' | 'done' | 'lost') => chunks.reduce((n, x) => n + x[k], 0);
  const scanners = { ms: sum('scanMs'), perSec: rate(N, sum('scanMs')) };
  const chain = { ms: sum('chainMs'), delivered: sum('done'), lost: sum('lost'), perSec: rate(sum('done'), sum('chainMs')) };
  console.log(`scanners alone ${scanners.perSec} msg/s, full chain ${chain.perSec} msg/s`);
  const efficiency = Number((chain.perSec / scanners.perSec).toFixed(3));
  const report = (large: Awaited<ReturnType<typeof throughChain>> | 'running' | undefined, queueLeft?: number) => {
    const result = {
      ...resultHeader('pipeline'),
      cpus: CPUS,
      amavisMaxServers: Number(/\$max_servers = (\d+);/.exec(execFileSync('cat', [c.layout.amavisConfFile]).toString())?.[1]),
      corpus: { messages: N, mix: 'ham 40%, spam-like 20%, html 20%, attachment 20% (2-62 KB)', gtube: false },
      loadAverage: { before: loadBefore, after: loadavg()[0] },
      chunks,
      scannersAlone: { concurrency: CPUS, ...scanners },
      fullChain: { concurrency: CPUS, ...chain },
      efficiency,
      targetEfficiency: 0.8,
      meetsTarget: efficiency >= 0.8,
      large: large === 'running' ? 'running' : large ? { concurrency: LARGE_CONCURRENCY, ...large, queueLeft } : previousLarge(),
      note: '(1) spamd CHECK + clamd INSTREAM per message in parallel; (2) SMTP to postfix -> amavis (SA + clamd) -> postfix -> sink, timed to the sink receiving the last message; (1) and (2) alternate in chunks of 100 so both see the same host load; test DNS on loopback answers NXDOMAIN for DNSBLs',
    };
    const out = fileURLToPath(new URL('../results/pipeline.json', import.meta.url));
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`efficiency ${efficiency} (target 0.8); written ${out}`);
  };
  // Written before the long run too, so the efficiency result survives an interrupted large run.
  report(LARGE > 0 ? 'running' : undefined);
  if (LARGE > 0) {
    const large = await throughChain(c, makeCorpus(LARGE, 7), LARGE_CONCURRENCY, 3_600_000);
    console.log(`large run: ${JSON.stringify(large)}`);
    const queueLeft = execFileSync('postqueue', ['-c', c.postfix.configDir, '-j']).toString().split('\n').filter(Boolean).length;
    report(large, queueLeft);
  }
} finally {
  await c.stop();
}
