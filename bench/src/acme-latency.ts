// bench/acme-latency: time from the rename of a new acme.json until the new serial is served on the SMTP port,
// while a client keeps starting STARTTLS handshakes (one every PROBE_MS, overlapping); writes
// bench/results/acme-latency.json. "Served from" = start time of the first handshake after which every later
// handshake got the new serial, so one slow in-flight handshake does not hide when the switch happened.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acmeV2, type Issued, issue, makeCa } from '@mta/acme-watch/testing';
import { startAcmeSidecar } from '@mta/test/acme/sidecar';
import { smtpStartTlsCert } from '@mta/test/acme/tls';
import { eventually, freePort, scaffoldConfig, startPostfix, tempRoot } from '@mta/test/harness/index';
import { resultHeader } from './report/header.ts';

const ROTATIONS = Number(process.env.ROTATIONS ?? 20);
const PROBE_MS = Number(process.env.PROBE_MS ?? 15);
const MAX_IN_FLIGHT = 40;
const HOST = 'mx.example.com';
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe {
  start: number;
  end?: number;
  serial?: string;
  error?: string;
}

const root = await tempRoot('mta-bench-acme-');
const port = await freePort();
const pfEtc = scaffoldConfig(join(root.dir, 'pf'), port, { smtpd_tls_security_level: 'may' });
mkdirSync(join(root.dir, 'etc'));
symlinkSync(pfEtc, join(root.dir, 'etc/postfix'));
mkdirSync(join(root.dir, 'acme'));
const acmeFile = join(root.dir, 'acme/acme.json');
const ca = makeCa();
const certs: Issued[] = Array.from({ length: ROTATIONS + 1 }, () => issue(ca, { cn: HOST }));
const replace = async (c: Issued) => {
  await writeFile(`${acmeFile}.tmp`, acmeV2({ le: [{ main: HOST, cert: c }] }));
  const t0 = performance.now();
  await rename(`${acmeFile}.tmp`, acmeFile);
  return t0;
};

const postfix = await startPostfix(pfEtc, port);
const sidecar = startAcmeSidecar({
  MTA_ROOT: root.dir,
  ACME_FILE: acmeFile,
  HOSTNAME: HOST,
  NATS_URL: `nats://127.0.0.1:${await freePort()}`, // nobody listens: the bus is best-effort
  ACME_POSTHOOK: process.env.HOOK ?? 'postfix reload', // the default reloads the postfix of MTA_ROOT
  SYSLOG_LEVEL: process.env.BENCH_DEBUG ? '7' : '5',
});
const probes: Probe[] = [];
let stop = false;
try {
  await replace(certs[0] as Issued);
  await eventually(async () => (await smtpStartTlsCert(port)).serial === certs[0]?.serial, 15_000, 'first certificate served');

  let inFlight = 0;
  const prober = (async () => {
    while (!stop) {
      if (inFlight < MAX_IN_FLIGHT) {
        const p: Probe = { start: performance.now() };
        probes.push(p);
        inFlight++;
        smtpStartTlsCert(port, 10_000)
          .then((s) => (p.serial = s.serial))
          .catch((e: Error) => (p.error = e.message))
          .finally(() => {
            p.end = performance.now();
            inFlight--;
          });
      }
      await sleep(PROBE_MS);
    }
    while (inFlight > 0) await sleep(10);
  })();

  const rotations: { t0: number; serial: string }[] = [];
  for (const c of certs.slice(1)) {
    const t0 = await replace(c);
    rotations.push({ t0, serial: c.serial });
    await eventually(() => probes.some((p) => p.start > t0 && p.serial === c.serial), 15_000, `serial ${c.serial} served`);
    await sleep(1500); // let in-flight handshakes finish before the next rotation
  }
  stop = true;
  await prober;

  const latencies = rotations.map(({ t0, serial }, i) => {
    const next = rotations[i + 1]?.t0 ?? Number.POSITIVE_INFINITY;
    const window = probes.filter((p) => p.start >= t0 && p.start < next && p.serial);
    // Last handshake in the window that still got something else; the switch happened after its start.
    const lastOld = window.filter((p) => p.serial !== serial).at(-1);
    const firstNew = window.find((p) => p.serial === serial && (!lastOld || p.start > lastOld.start));
    return firstNew ? Math.round(firstNew.start - t0) : Number.NaN;
  });
  const sorted = [...latencies].sort((a, b) => a - b);
  const durations = probes
    .filter((p) => p.end && !p.error)
    .map((p) => (p.end as number) - p.start)
    .sort((a, b) => a - b);
  const failed = probes.filter((p) => p.error);
  const result = {
    ...resultHeader('acme-latency'),
    rotations: ROTATIONS,
    hook: process.env.HOOK ?? 'postfix reload',
    latencyMs: { p50: pct(sorted, 50), p99: pct(sorted, 99), min: sorted[0], max: sorted.at(-1), all: latencies },
    targetP50Ms: 300,
    handshakes: probes.length,
    failedHandshakes: failed.length,
    failures: failed.slice(0, 10).map((p) => p.error),
    handshakeMs: { p50: Math.round(pct(durations, 50)), p99: Math.round(pct(durations, 99)), max: Math.round(durations.at(-1) ?? 0) },
    postfix: execFileSync('postconf', ['-d', '-h', 'mail_version']).toString().trim(),
  };
  const out = fileURLToPath(new URL('../results/acme-latency.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify({ ...result, latencyMs: { ...result.latencyMs, all: undefined } }));
  if (failed.length > 0 || !(result.latencyMs.p50 <= 300)) process.exitCode = 1;
} finally {
  if (process.env.BENCH_DEBUG) console.error(sidecar.output());
  stop = true;
  await sidecar.stop();
  await postfix.stop();
  await root.cleanup();
}
