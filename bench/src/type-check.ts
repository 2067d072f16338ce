// bench/type-check: what amavis's content-type check and archive decoding cost per message. Two filter chains run side
// by side, the same corpus through each in alternating chunks (so both see the same host load): one as the product
// is configured (libmagic on every part, archives decoded by their type), one without any type check (neither libmagic
// nor file(1): amavis then decodes MIME only, as it did before it had a search path). BENCH_TYPECHECK_WITH=file
// measures file(1) instead of libmagic.
// Writes bench/results/type-check.json: amavis CPU per message and throughput of each, and their difference.
import { availableParallelism, loadavg } from 'node:os';
import { startFilterChain } from '@mta/test/filter/chain';
import { makeCorpus } from './pipeline/corpus.ts';
import { Deliveries, rate } from './pipeline/deliveries.ts';
import { cpuMeter } from './pipeline/proc-cpu.ts';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const CPUS = availableParallelism();
const N = Number(process.env.BENCH_TYPECHECK_N ?? 200);
const CHUNK = 50;
const started = performance.now();
// amavis loads File::LibMagic after reading its config: a module marked as loaded here fails its version check there.
const NO_LIBMAGIC = "$INC{'File/LibMagic.pm'} = 1;";
const loadBefore = loadavg()[0];

const chains = {
  on: await startFilterChain({ env: {}, cpus: CPUS, amavisLocal: process.env.BENCH_TYPECHECK_WITH === 'file' ? NO_LIBMAGIC : '' }),
  off: await startFilterChain({ env: {}, cpus: CPUS, amavisLocal: `${NO_LIBMAGIC} $file = undef;` }),
};
try {
  const runs = { on: { cpuMs: 0, ms: 0, done: 0 }, off: { cpuMs: 0, ms: 0, done: 0 } };
  const deliveries = { on: new Deliveries(chains.on), off: new Deliveries(chains.off) };
  // SpamAssassin compiles its rules per child on first use: warm both.
  for (const k of ['on', 'off'] as const) await deliveries[k].send(makeCorpus(10 * CPUS, 1), CPUS, 300_000);
  const corpus = makeCorpus(N);
  for (let i = 0; i < corpus.length; i += CHUNK) {
    const batch = corpus.slice(i, i + CHUNK);
    // Alternate which goes first, so neither always runs right after the other.
    const order = (i / CHUNK) % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
    for (const k of order) {
      const cpu = cpuMeter({ amavis: chains[k].amavis.pid() });
      const r = await deliveries[k].send(batch, CPUS, 600_000);
      runs[k].cpuMs += cpu().amavis ?? 0;
      runs[k].ms += r.ms;
      runs[k].done += r.delivered + r.quarantinedOnly;
    }
    console.log(`type-check: ${i + batch.length} of ${N}`);
  }
  const per = (k: 'on' | 'off') => ({
    amavisCpuMsPerMessage: Number((runs[k].cpuMs / N).toFixed(1)),
    perSec: rate(runs[k].done, runs[k].ms),
  });
  const on = per('on');
  const off = per('off');
  writeResult('type-check', {
    ...resultHeader('type-check'),
    cpus: CPUS,
    messages: N,
    corpus: 'the pipeline corpus: ham 40%, spam-like 20%, html 20%, a PDF attachment 20% (2-62 KB)',
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    typeCheckBy: process.env.BENCH_TYPECHECK_WITH === 'file' ? 'file(1)' : 'libmagic (File::LibMagic)',
    withTypeCheck: on,
    without: off,
    costCpuMsPerMessage: Number((on.amavisCpuMsPerMessage - off.amavisCpuMsPerMessage).toFixed(1)),
    throughputRatio: Number((on.perSec / off.perSec).toFixed(3)),
    runSeconds: Math.round((performance.now() - started) / 1000),
  });
} finally {
  await chains.on.stop();
  await chains.off.stop();
}
