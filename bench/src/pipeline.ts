// bench/pipeline: content-filter throughput. The same GTUBE-free corpus through (1) the scanners alone (spamd CHECK +
// clamd INSTREAM per message in parallel, concurrency = CPU count: the ceiling of any SpamAssassin-based pipeline
// here) and (2) the full chain via SMTP until delivered, alternating chunk by chunk; efficiency = (2)/(1). The CPU
// each process tree spent per message in each phase is the profile (where the time goes). Then a large run (default
// 10,000 messages, concurrency 50) that must lose nothing: accepted = delivered + quarantined. Writes
// bench/results/pipeline.json; targets in report/catalog.ts. Takes about 10 minutes on an idle 2-core machine (23 at a
// load average of 8), nearly all of it the large run; BENCH_PIPELINE_LARGE=0 keeps the last large result and takes
// about a minute.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { startFilterChain } from '@mta/test/filter/chain';
import { measureArcStep } from './pipeline/arc-step.ts';
import { makeCorpus } from './pipeline/corpus.ts';
import { Deliveries, rate } from './pipeline/deliveries.ts';
import { cpuMeter, idleMeter } from './pipeline/proc-cpu.ts';
import { clamdScan, pool, spamdCheck } from './pipeline/scanners.ts';
import { startSpamd } from './pipeline/spamd.ts';
import { resultHeader } from './report/header.ts';
import { resultPath, writeResult } from './report/write.ts';

const CPUS = availableParallelism();
const N = Number(process.env.BENCH_PIPELINE_N ?? 300);
const LARGE = Number(process.env.BENCH_PIPELINE_LARGE ?? 10_000);
const LARGE_CONCURRENCY = Number(process.env.BENCH_PIPELINE_CONCURRENCY ?? 50);
const CHUNK = Number(process.env.BENCH_PIPELINE_CHUNK ?? 100);
// Messages each worker (spamd child, amavis child) handles before timing starts: SpamAssassin compiles and caches
// per process on first use.
const WARMUP_PER_WORKER = 10;
const round3 = (x: number) => Number(x.toFixed(3));
const started = performance.now();

// With BENCH_PIPELINE_LARGE=0 (a quick efficiency re-run) the last large run's result is kept, marked with its date.
function previousLarge(): unknown {
  try {
    const prev = JSON.parse(readFileSync(resultPath('pipeline'), 'utf8'));
    return prev.large && typeof prev.large === 'object' ? { ...prev.large, measuredAt: prev.large.measuredAt ?? prev.at } : null;
  } catch {
    return null;
  }
}

// Per-phase CPU milliseconds, summed over chunks, then per message.
const cpu: Record<'scanners' | 'chain', Record<string, number>> = { scanners: {}, chain: {} };
const addCpu = (phase: 'scanners' | 'chain', ms: Record<string, number>) => {
  for (const [k, v] of Object.entries(ms)) cpu[phase][k] = (cpu[phase][k] ?? 0) + v;
};
const perMessage = (o: Record<string, number>, n: number) => {
  const each = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number((v / n).toFixed(1))]));
  return { ...each, total: Number((Object.values(o).reduce((a, b) => a + b, 0) / n).toFixed(1)) };
};

// Tuning experiments: AMAVIS_MAX_SERVERS as the product reads it, BENCH_AMAVIS_LOCAL as extra amavis Perl.
const env: Record<string, string> = process.env.AMAVIS_MAX_SERVERS ? { AMAVIS_MAX_SERVERS: process.env.AMAVIS_MAX_SERVERS } : {};
// Razor asks a server about every message in both phases, as on an online host and as in every run before the offline
// bound: the bench's Razor server is a closed loopback port, which fails at once, and without this the bound would
// skip Razor in both phases after the first message (bench razor-offline measures the bound).
const c = await startFilterChain({
  env,
  cpus: CPUS,
  amavisLocal: process.env.BENCH_AMAVIS_LOCAL,
  saRulesLast: 'mta_razor_down_secs 0',
});
try {
  const deliveries = new Deliveries(c);
  const amavisConf = readFileSync(c.layout.amavisConfFile, 'utf8');
  const amavisChildren = Number(/\$max_servers = (\d+);/.exec(amavisConf)?.[1]);
  const corpus = makeCorpus(N);
  const loadBefore = loadavg()[0];
  const spamd = await startSpamd(c, CPUS);
  const chunks: { scanMs: number; chainMs: number; done: number; lost: number; idle: { scanners: number; chain: number } }[] = [];
  try {
    // (1): every message through spamd and clamd in parallel, CPU-count messages in flight.
    const scan = async (batch: readonly { raw: string }[]) => {
      const t = performance.now();
      await pool(batch, CPUS, (m) => Promise.all([spamdCheck(spamd.port, m.raw), clamdScan(c.layout.clamdSocket, m.raw)]));
      return performance.now() - t;
    };
    await scan(makeCorpus(WARMUP_PER_WORKER * CPUS, 1));
    await deliveries.send(makeCorpus(WARMUP_PER_WORKER * amavisChildren, 1), CPUS, 300_000);
    // The host is shared and its load swings: (1) and (2) alternate chunk by chunk, so both see the same load, and
    // the ratio is taken over the summed times.
    for (let i = 0; i < corpus.length; i += CHUNK) {
      const batch = corpus.slice(i, i + CHUNK);
      const [scanCpu, scanIdle] = [cpuMeter({ spamd: spamd.pid, clamd: c.clamd.pid() }), idleMeter()];
      const scanMs = await scan(batch);
      addCpu('scanners', scanCpu());
      const idle = { scanners: round3(scanIdle()), chain: 0 };
      const [chainCpu, chainIdle] = [cpuMeter({ postfix: c.postfix.proc.pid, amavis: c.amavis.pid(), clamd: c.clamd.pid() }), idleMeter()];
      const ch = await deliveries.send(batch, CPUS, 600_000);
      addCpu('chain', chainCpu());
      idle.chain = round3(chainIdle());
      chunks.push({ scanMs: Math.round(scanMs), chainMs: ch.ms, done: ch.delivered + ch.quarantinedOnly, lost: ch.lost, idle });
      console.log(
        `pipeline: chunk ${chunks.length}: scanners ${rate(batch.length, scanMs)} msg/s, chain ${ch.perSec} msg/s, lost ${ch.lost}`,
      );
    }
  } finally {
    await spamd.stop();
  }
  const sum = (k: 'scanMs' | 'chainMs' | 'done' | 'lost') => chunks.reduce((n, x) => n + x[k], 0);
  const scanners = { concurrency: CPUS, ms: sum('scanMs'), perSec: rate(N, sum('scanMs')) };
  const chain = {
    concurrency: CPUS,
    ms: sum('chainMs'),
    delivered: sum('done'),
    lost: sum('lost'),
    perSec: rate(sum('done'), sum('chainMs')),
  };
  const cpuPerMessage = { scanners: perMessage(cpu.scanners, N), chain: perMessage(cpu.chain, N) };
  // The DMARC/ARC milter step (issue #31), measured alone on the same corpus: port 25 runs it before the queue, the
  // chain above (the loopback client is MYNETWORKS) does not.
  const arcStep = await measureArcStep(corpus);
  console.log(
    `pipeline: DMARC/ARC step (arc-milter verify + enforce): ${arcStep.cpuMsPerMessage} ms CPU per message, ${arcStep.sealed} of ${arcStep.messages} sealed`,
  );
  const report = (large: unknown) => ({
    ...resultHeader('pipeline'),
    cpus: CPUS,
    amavisMaxServers: amavisChildren,
    corpus: { messages: N, mix: 'ham 40%, spam-like 20%, html 20%, attachment 20% (2-62 KB)', gtube: false },
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    chunks,
    scannersAlone: scanners,
    fullChain: chain,
    efficiency: Number((chain.perSec / scanners.perSec).toFixed(3)),
    // CPU per message of each phase's process trees (the bench process hosts the client, the next hop and the test
    // DNS); their ratio is the efficiency the chain would reach with every CPU busy and nothing else running.
    cpuMsPerMessage: cpuPerMessage,
    cpuEfficiency: Number((cpuPerMessage.scanners.total / cpuPerMessage.chain.total).toFixed(3)),
    // The arc-milter's two steps per message (one in five ARC-sealed, its key from memory), and the CPU efficiency
    // with that step counted in the chain. opendkim and OpenDMARC are not measured here.
    dmarcArcStep: arcStep,
    cpuEfficiencyWithArcStep: Number((cpuPerMessage.scanners.total / (cpuPerMessage.chain.total + arcStep.cpuMsPerMessage)).toFixed(3)),
    // Share of the machine's CPU left idle during each phase: near 0 when a phase keeps every CPU busy (or other work
    // fills the gaps); a phase that waits instead of computing shows here.
    idleShare: {
      scanners: round3(chunks.reduce((a, x) => a + x.idle.scanners * x.scanMs, 0) / sum('scanMs')),
      chain: round3(chunks.reduce((a, x) => a + x.idle.chain * x.chainMs, 0) / sum('chainMs')),
    },
    large,
    runSeconds: Math.round((performance.now() - started) / 1000),
    note: '(1) spamd CHECK + clamd INSTREAM per message in parallel; (2) SMTP to postfix -> amavis (SA + clamd) -> postfix -> next hop, timed to the next hop receiving the last message; (1) and (2) alternate in chunks of 100 so both see the same host load; test DNS on loopback answers NXDOMAIN for DNSBLs',
  });
  // Written before the long run too, so the efficiency result survives an interrupted large run.
  writeResult('pipeline', report(LARGE > 0 ? 'running' : previousLarge()), { print: LARGE === 0 });
  if (LARGE > 0) {
    const large = await deliveries.send(makeCorpus(LARGE, 7), LARGE_CONCURRENCY, 3_600_000);
    const queueLeft = c.queue().length;
    writeResult('pipeline', report({ concurrency: LARGE_CONCURRENCY, ...large, queueLeft }));
  }
} finally {
  await c.stop();
}
