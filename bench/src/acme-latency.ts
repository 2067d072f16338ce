// bench/acme-latency: time from the rename of a new acme.json until the new serial is served on the SMTP port,
// and what rotations cost the clients: a prober keeps starting STARTTLS handshakes (one every PROBE_MS,
// overlapping) through an idle phase (no rotation) and then through ROTATIONS rotations, in one run; writes
// bench/results/acme-latency.json. "Served from" = start time of the first handshake after which every later
// handshake got the new serial, so one slow in-flight handshake does not hide when the switch happened.
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acmeV2, type Issued, issue, makeCa } from '@mta/acme-watch/testing';
import { startAcmeSidecar } from '@mta/test/acme/sidecar';
import { smtpStartTlsCert } from '@mta/test/acme/tls';
import { eventually, freePort, scaffoldConfig, startPostfix, tempRoot } from '@mta/test/harness/index';
import { resultHeader } from './report/header.ts';

const ROTATIONS = Number(process.env.ROTATIONS ?? 20);
const PROBE_MS = Number(process.env.PROBE_MS ?? 15);
// Time between rotations: in-flight handshakes finish before the next one. The idle phase lasts as long as the
// rotations' gaps together, so both phases have about as many handshakes.
const GAP_MS = 1500;
const IDLE_MS = Number(process.env.IDLE_MS ?? ROTATIONS * GAP_MS);
// Handshakes started this soon after a rename: where a stall shows first.
const WINDOW_MS = 1000;
const MAX_IN_FLIGHT = 40;
const TARGET_P50_MS = 100;
const TARGET_P99_RATIO = 2;
const HOST = 'mx.example.com';
const HOOK = process.env.HOOK ?? 'postfix reload';
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe {
  start: number;
  end?: number;
  serial?: string;
  error?: string;
}

// Duration percentiles of the finished handshakes among `probes`.
const durations = (probes: Probe[]) => {
  const ms = probes
    .filter((p) => p.end && !p.error)
    .map((p) => (p.end as number) - p.start)
    .sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { count: probes.length, p50: r(pct(ms, 50)), p99: r(pct(ms, 99)), max: r(ms.at(-1) ?? 0) };
};

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

const loadBefore = loadavg()[0];
const postfix = await startPostfix(pfEtc, port);
const sidecar = startAcmeSidecar({
  MTA_ROOT: root.dir,
  ACME_FILE: acmeFile,
  HOSTNAME: HOST,
  NATS_URL: `nats://127.0.0.1:${await freePort()}`, // nobody listens: the bus is best-effort
  ACME_POSTHOOK: HOOK, // the default reloads the postfix of MTA_ROOT when main.cf changes
  SYSLOG_LEVEL: process.env.BENCH_DEBUG ? '7' : '5',
});
const probes: Probe[] = [];
let stop = false;
try {
  // The first install points main.cf at the acme files (a reload): settled before anything is measured.
  await replace(certs[0] as Issued);
  await eventually(async () => (await smtpStartTlsCert(port)).serial === certs[0]?.serial, 15_000, 'first certificate served');
  await sleep(2000);

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

  const idleFrom = performance.now();
  await sleep(IDLE_MS);
  const rotationsFrom = performance.now();
  const rotations: { t0: number; serial: string }[] = [];
  for (const c of certs.slice(1)) {
    const t0 = await replace(c);
    rotations.push({ t0, serial: c.serial });
    await eventually(() => probes.some((p) => p.start > t0 && p.serial === c.serial), 15_000, `serial ${c.serial} served`);
    await sleep(GAP_MS);
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
  const idle = durations(probes.filter((p) => p.start >= idleFrom && p.start < rotationsFrom));
  const during = durations(probes.filter((p) => p.start >= rotationsFrom));
  const afterRename = durations(probes.filter((p) => rotations.some(({ t0 }) => p.start >= t0 && p.start < t0 + WINDOW_MS)));
  const failed = probes.filter((p) => p.start >= idleFrom && p.error);
  const ratio = Math.round((during.p99 / idle.p99) * 100) / 100;
  const latencyOk = sorted.length === ROTATIONS && pct(sorted, 50) <= TARGET_P50_MS;
  const result = {
    ...resultHeader('acme-latency'),
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    rotations: ROTATIONS,
    hook: HOOK,
    probeEveryMs: PROBE_MS,
    latencyMs: { p50: pct(sorted, 50), p99: pct(sorted, 99), min: sorted[0], max: sorted.at(-1), all: latencies },
    targetP50Ms: TARGET_P50_MS,
    meetsLatencyTarget: latencyOk,
    handshakeMs: { idle, duringRotations: during, firstSecondAfterRename: afterRename },
    handshakeP99Ratio: ratio,
    targetHandshakeP99Ratio: TARGET_P99_RATIO,
    meetsHandshakeTarget: ratio <= TARGET_P99_RATIO,
    failedHandshakes: failed.length,
    failures: failed.slice(0, 10).map((p) => p.error),
    meetsTarget: latencyOk && ratio <= TARGET_P99_RATIO && failed.length === 0,
    postfix: execFileSync('postconf', ['-d', '-h', 'mail_version']).toString().trim(),
    note: `STARTTLS handshakes to postfix smtpd, one started every ${PROBE_MS} ms (up to ${MAX_IN_FLIGHT} at once), for ${IDLE_MS / 1000} s without rotations, then through ${ROTATIONS} rotations ${GAP_MS / 1000} s apart; latency = acme.json rename to the first handshake after which all got the new serial. A rotation replaces chain.pem and the SNI table (postmap -F, renamed into place) without a postfix reload: smtpd processes that have the old table open exit before their next connection. A reload used to stall new connections for a second: it restarts tlsmgr and anvil, and smtpd retries a lost connection to them after a fixed 1 s sleep.`,
  };
  const out = fileURLToPath(new URL('../results/acme-latency.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  console.log(
    [
      `rotation latency p50 ${result.latencyMs.p50} ms (target ≤ ${TARGET_P50_MS} ms) ${mark(latencyOk)}; p99 ${result.latencyMs.p99} ms`,
      `handshake p99 during rotations ${during.p99} ms vs idle ${idle.p99} ms: ${ratio}× (target ≤ ${TARGET_P99_RATIO}×) ${mark(result.meetsHandshakeTarget)}`,
      `handshake p99 in the first second after a rename ${afterRename.p99} ms (${afterRename.count} handshakes); p50 idle ${idle.p50} ms, during rotations ${during.p50} ms`,
      `failed handshakes ${failed.length} of ${idle.count + during.count} (target 0) ${mark(failed.length === 0)}`,
      `load average ${result.loadAverage.before} before, ${result.loadAverage.after} after; written ${out}`,
    ].join('\n'),
  );
  if (!result.meetsTarget) process.exitCode = 1;
} finally {
  if (process.env.BENCH_DEBUG) console.error(sidecar.output());
  stop = true;
  await sidecar.stop();
  await postfix.stop();
  await root.cleanup();
}
