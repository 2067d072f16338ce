// 2048-bit DKIM key generation: native node:crypto (what dkim-keys uses) against node-forge (pure JS) in one run;
// writes bench/results/dkim-keygen.json with both timings and the speed-up; targets in report/catalog.ts.
import { generateRsaKey } from '@mta/dkim-keys/generate';
import forge from 'node-forge';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const BITS = 2048;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

// forge hands off to node:crypto when it finds it; force its own JavaScript implementation, which is what we compare.
(forge as unknown as { options: { usePureJavaScript: boolean } }).options.usePureJavaScript = true;

// forge's non-blocking path (callback, no web workers), like ours; timed the same way.
const forgeKey = () =>
  new Promise<string>((resolve, reject) =>
    forge.pki.rsa.generateKeyPair({ bits: BITS, e: 0x10001, workers: -1 }, (err, kp) =>
      err ? reject(err) : resolve(forge.pki.privateKeyToPem(kp.privateKey)),
    ),
  );

const nativeMs = await time(() => generateRsaKey(BITS));
const forgeMs = await time(forgeKey);
const result = {
  ...resultHeader('dkim-keygen'),
  bits: BITS,
  rounds: ROUNDS,
  native: { medianMs: Math.round(median(nativeMs)), samplesMs: nativeMs.map(Math.round) },
  forge: { medianMs: Math.round(median(forgeMs)), samplesMs: forgeMs.map(Math.round) },
  // RSA generation time varies a lot per key (prime search), so compare medians.
  ratio: Number((median(forgeMs) / median(nativeMs)).toFixed(1)),
};
writeResult('dkim-keygen', result);
