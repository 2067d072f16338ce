// bench/pipeline: content-filter throughput. The same GTUBE-free corpus through (1) the scanners alone (spamd CHECK +
// clamd INSTREAM per message in parallel, concurrency = CPU count: the ceiling of any SpamAssassin-based pipeline
// here) and (2) the full chain via SMTP until delivered, alternating chunk by chunk; efficiency = (2)/(1). The CPU
// each process tree spent per message in each phase is the profile (where the time goes). (3) the same corpus as port
// 25 gets it (DKIM-signed, some ARC-sealed, from domains with DMARC records; dmarc-corpus.ts) through the chain's
// milter port, where the port-25 milters (arc-milter, opendkim, OpenDMARC) run before the queue, alternating with the
// other two: its efficiency against (1), and the CPU per message of the milters' processes (the DMARC/ARC step's
// cost). Then a large run (default 10,000 messages, concurrency 50, without milters) that must lose nothing:
// accepted = delivered + quarantined. Writes bench/results/pipeline.json; targets in report/catalog.ts. Takes about 11
// minutes on an idle 2-core machine (23 at a load average of 8), nearly all of it the large run;
// BENCH_PIPELINE_LARGE=0 keeps the last large result and takes about two minutes.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { startFilterChain } from '@mta/test/filter/chain';
import { tempRoot } from '@mta/test/harness/tmp';
import { measureArcStep } from './pipeline/arc-step.ts';
import { makeCorpus } from './pipeline/corpus.ts';
import { Deliveries, rate } from './pipeline/deliveries.ts';
import { dmarcCorpus, dmarcWorld } from './pipeline/dmarc-corpus.ts';
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
type Phase = 'scanners' | 'chain' | 'milterChain';
const cpu: Record<Phase, Record<string, number>> = { scanners: {}, chain: {}, milterChain: {} };
const addCpu = (phase: Phase, ms: Record<string, number>) => {
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
// The DMARC tests' keys and records (the chain's milters and amavis ask its DNS for them).
const keys = await tempRoot('mta-bench-dmarc-');
const world = dmarcWorld(keys.dir);
const c = await startFilterChain({
  env,
  cpus: CPUS,
  amavisLocal: process.env.BENCH_AMAVIS_LOCAL,
  saRulesLast: 'mta_razor_down_secs 0',
  milters: { records: world.records },
});
try {
  if (!c.milters) throw new Error('the chain started without its milter port');
  const milters = c.milters;
  const via = { port: milters.port, client: milters.client };
  const deliveries = new Deliveries(c);
  const amavisConf = readFileSync(c.layout.amavisConfFile, 'utf8');
  const amavisChildren = Number(/\$max_servers = (\d+);/.exec(amavisConf)?.[1]);
  const corpus = makeCorpus(N);
  const milterCorpus = await dmarcCorpus(corpus, world);
  const loadBefore = loadavg()[0];
  const spamd = await startSpamd(c, CPUS);
  const chunks: {
    scanMs: number;
    chainMs: number;
    done: number;
    lost: number;
    milterChainMs: number;
    milterDone: number;
    milterLost: number;
    idle: { scanners: number; chain: number; milterChain: number };
  }[] = [];
  try {
    // (1): every message through spamd and clamd in parallel, CPU-count messages in flight.
    const scan = async (batch: readonly { raw: string }[]) => {
      const t = performance.now();
      await pool(batch, CPUS, (m) => Promise.all([spamdCheck(spamd.port, m.raw), clamdScan(c.layout.clamdSocket, m.raw)]));
      return performance.now() - t;
    };
    await scan(makeCorpus(WARMUP_PER_WORKER * CPUS, 1));
    await deliveries.send(makeCorpus(WARMUP_PER_WORKER * amavisChildren, 1), CPUS, 300_000);
    await deliveries.send(await dmarcCorpus(makeCorpus(WARMUP_PER_WORKER * amavisChildren, 1), world), CPUS, 300_000, via);
    // The host is shared and its load swings: (1) and (2) alternate chunk by chunk, so both see the same load, and
    // the ratio is taken over the summed times.
    for (let i = 0; i < corpus.length; i += CHUNK) {
      const batch = corpus.slice(i, i + CHUNK);
      const [scanCpu, scanIdle] = [cpuMeter({ spamd: spamd.pid, clamd: c.clamd.pid() }), idleMeter()];
      const scanMs = await scan(batch);
      addCpu('scanners', scanCpu());
      const idle = { scanners: round3(scanIdle()), chain: 0, milterChain: 0 };
      const chainRoots = { postfix: c.postfix.proc.pid, amavis: c.amavis.pid(), clamd: c.clamd.pid() };
      const [chainCpu, chainIdle] = [cpuMeter(chainRoots), idleMeter()];
      const ch = await deliveries.send(batch, CPUS, 600_000);
      addCpu('chain', chainCpu());
      idle.chain = round3(chainIdle());
      const milterRoots = {
        opendkim: milters.pid('opendkim'),
        opendmarc: milters.pid('opendmarc'),
        'arc-milter': milters.pid('arc-milter'),
      };
      const [milterCpu, milterIdle] = [cpuMeter({ ...chainRoots, ...milterRoots }), idleMeter()];
      const mc = await deliveries.send(milterCorpus.slice(i, i + CHUNK), CPUS, 600_000, via);
      addCpu('milterChain', milterCpu());
      idle.milterChain = round3(milterIdle());
      chunks.push({
        scanMs: Math.round(scanMs),
        chainMs: ch.ms,
        done: ch.delivered + ch.quarantinedOnly,
        lost: ch.lost,
        milterChainMs: mc.ms,
        milterDone: mc.delivered + mc.quarantinedOnly,
        milterLost: mc.lost + mc.refused,
        idle,
      });
      console.log(
        `pipeline: chunk ${chunks.length}: scanners ${rate(batch.length, scanMs)} msg/s, chain ${ch.perSec} msg/s, lost ${ch.lost}; with milters ${mc.perSec} msg/s, lost ${mc.lost}, refused ${mc.refused}`,
      );
    }
  } finally {
    await spamd.stop();
  }
  const sum = (k: 'scanMs' | 'chainMs' | 'done' | 'lost' | 'milterChainMs' | 'milterDone' | 'milterLost') =>
    chunks.reduce((n, x) => n + x[k], 0);
  const scanners = { concurrency: CPUS, ms: sum('scanMs'), perSec: rate(N, sum('scanMs')) };
  const through = (ms: 'chainMs' | 'milterChainMs', done: 'done' | 'milterDone', lost: 'lost' | 'milterLost') => ({
    concurrency: CPUS,
    ms: sum(ms),
    delivered: sum(done),
    lost: sum(lost),
    perSec: rate(sum(done), sum(ms)),
  });
  const chain = through('chainMs', 'done', 'lost');
  const milterChain = through('milterChainMs', 'milterDone', 'milterLost');
  const cpuPerMessage = {
    scanners: perMessage(cpu.scanners, N),
    chain: perMessage(cpu.chain, N),
    milterChain: perMessage(cpu.milterChain, N),
  };
  // The DMARC/ARC step on port 25: the CPU of the milters' own processes per message of (3).
  const { opendkim = 0, opendmarc = 0, 'arc-milter': arcMilter = 0 } = cpu.milterChain;
  const milterStep = perMessage({ opendkim, opendmarc, 'arc-milter': arcMilter }, N);
  console.log(
    `pipeline: DMARC/ARC milters (opendkim + OpenDMARC + arc-milter processes): ${milterStep.total} ms CPU per message; chain with milters ${milterChain.perSec} msg/s`,
  );
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
    // (3): the port-25 milters in front of the same chain, its client an internet address (XCLIENT), so amavis takes
    // its mail as inbound where (2)'s loopback client is MYNETWORKS.
    fullChainWithMilters: milterChain,
    efficiencyWithMilters: Number((milterChain.perSec / scanners.perSec).toFixed(3)),
    milterCorpus:
      'From pass.example (p=reject) DKIM-signed 80% (1 in 5 of those ARC-sealed), none.example (no record) 10%, pct.example (fails, pct=0) 10%; sent as 192.0.2.10',
    // Our dkim= and dmarc= results on the delivered messages of (3), warm-up included.
    milterVerdicts: deliveries.milterVerdicts,
    // CPU per message of opendkim, OpenDMARC and the arc-milter (their process trees, from /proc) during (3). The
    // arc-milter runs from its sources (tsx) at SYSLOG_LEVEL 7, as the tests start it: one log line per message more
    // than the image's default level writes.
    milterStep,
    // CPU per message of each phase's process trees (the bench process hosts the client, the next hop and the test
    // DNS); their ratio is the efficiency the chain would reach with every CPU busy and nothing else running.
    cpuMsPerMessage: cpuPerMessage,
    cpuEfficiency: Number((cpuPerMessage.scanners.total / cpuPerMessage.chain.total).toFixed(3)),
    cpuEfficiencyWithMilters: Number((cpuPerMessage.scanners.total / cpuPerMessage.milterChain.total).toFixed(3)),
    // The arc-milter's two steps per message measured in this process (one in five ARC-sealed, its key from memory),
    // and the CPU efficiency with that step counted in the chain; milterStep is the whole step as port 25 runs it.
    dmarcArcStep: arcStep,
    cpuEfficiencyWithArcStep: Number((cpuPerMessage.scanners.total / (cpuPerMessage.chain.total + arcStep.cpuMsPerMessage)).toFixed(3)),
    // Share of the machine's CPU left idle during each phase: near 0 when a phase keeps every CPU busy (or other work
    // fills the gaps); a phase that waits instead of computing shows here.
    idleShare: {
      scanners: round3(chunks.reduce((a, x) => a + x.idle.scanners * x.scanMs, 0) / sum('scanMs')),
      chain: round3(chunks.reduce((a, x) => a + x.idle.chain * x.chainMs, 0) / sum('chainMs')),
      milterChain: round3(chunks.reduce((a, x) => a + x.idle.milterChain * x.milterChainMs, 0) / sum('milterChainMs')),
    },
    large,
    runSeconds: Math.round((performance.now() - started) / 1000),
    note: '(1) spamd CHECK + clamd INSTREAM per message in parallel; (2) SMTP to postfix -> amavis (SA + clamd) -> postfix -> next hop, timed to the next hop receiving the last message; (3) as (2) through the port-25 milters (arc-milter, opendkim, OpenDMARC) first; (1), (2) and (3) alternate in chunks of 100 so all see the same host load; test DNS on loopback answers NXDOMAIN for DNSBLs',
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
  await keys.cleanup();
}
