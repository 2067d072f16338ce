// Internet-facing defences: (1) connections accepted per second on port 25 with postscreen in front versus smtpd
// alone, alternating rounds in one run (clients already known to postscreen: its steady state; a new client waits
// POSTSCREEN_GREET_WAIT once); (2) what bans cost the clients that are not banned: a prober keeps starting STARTTLS
// handshakes on 587 through an idle phase and then through bursts of bans (bots talking before the greeting, each
// banned at once), in one run (p99 ratio); (3) the time from the N-th failed AUTH (the 535 reply) until port 25
// defers that address (the guard followed the log line, wrote the ban, put it into postfix's table), p50/p99 over
// many addresses. Real postfix, dovecot and guard in a network namespace (root, ip). Writes bench/results/guard.json.
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startGuard } from '@mta/test/defences/guard-process';
import { logOf, type Stack, startStack } from '@mta/test/defences/stack';
import { createNetns, eventually, tsxArgs } from '@mta/test/harness/index';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_CONNECTIONS ?? 400);
const CONCURRENCY = 20;
const BAN_SAMPLES = Number(process.env.BENCH_BAN_SAMPLES ?? 24);
const FAILURES = 3;
// Bursts of bans while the prober runs: BURSTS × PER_BURST bots, GAP_MS apart; the idle phase lasts as long.
const BURSTS = Number(process.env.BENCH_BURSTS ?? 8);
const PER_BURST = 8;
const GAP_MS = 1500;
const PROBE_MS = 15;

const clients = Array.from({ length: CONCURRENCY }, (_, i) => `192.0.2.${100 + i}`);
const guessers = Array.from({ length: BAN_SAMPLES }, (_, i) => `198.51.100.${10 + i}`);
const bots = Array.from({ length: BURSTS * PER_BURST }, (_, i) => `203.0.113.${10 + i}`);
// The idle phase's clients: as many, connecting as often, but polite (they wait for the greeting): no bans.
const polite = Array.from({ length: BURSTS * PER_BURST }, (_, i) => `203.0.113.${100 + i}`);
const PROBER = '192.0.2.99';
const ns = createNetns(`mta-bench-guard-${process.pid}`, [...clients, ...guessers, ...bots, ...polite, PROBER]);
const CLIENT = fileURLToPath(new URL('./guard/client.ts', import.meta.url));
const clientArgs = (args: (string | number)[]) => ['netns', 'exec', ns.name, process.execPath, ...tsxArgs(CLIENT, ...args.map(String))];
const client = (...args: (string | number)[]) => {
  const r = spawnSync('ip', clientArgs(args), { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`client ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] as number;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const base = {
  MAIL_DOMAIN: 'example.com',
  MAIL_BOXES: 'alice@example.com',
  MYNETWORKS: '127.0.0.0/8',
  // The anvil limits would throttle the bench's few client addresses: what is measured is postscreen's cost.
  SMTPD_CLIENT_CONNECTION_RATE_LIMIT: '0',
  SMTPD_CLIENT_CONNECTION_COUNT_LIMIT: '0',
};
const loadBefore = loadavg()[0];
const stacks: Stack[] = [];
let result: Record<string, unknown>;
try {
  const on = await startStack(ns, { ...base, POSTSCREEN: 'yes' }, { dovecot: false });
  stacks.push(on);
  const off = await startStack(ns, { ...base, POSTSCREEN: 'no' }, { dovecot: false });
  stacks.push(off);
  client('warm', on.ports.smtp, clients.join(','));
  const rates: { on: number[]; off: number[] } = { on: [], off: [] };
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, s] of [
      ['on', on],
      ['off', off],
    ] as const) {
      const c = client('conn', s.ports.smtp, clients.join(','), PER_ROUND, CONCURRENCY) as { ok: number; perSecond: number };
      if (c.ok !== PER_ROUND) throw new Error(`${name}: ${c.ok} of ${PER_ROUND} connections greeted`);
      rates[name].push(c.perSecond);
    }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for (const s of stacks.splice(0)) await s.stop();

  // The guard on a SASL stack, following the logs as in the image.
  const sasl = await startStack(ns, {
    ...base,
    SMTPD_SASL_CLIENTAUTH: 'alice@example.com:{plain}secret',
    SMTPD_USE_TLS: 'yes',
    AUTH_FAILURE_DELAY: '0',
    SMTPD_CLIENT_AUTH_RATE_LIMIT: '0',
  });
  stacks.push(sasl);
  const guard = await startGuard(
    { MTA_ROOT: sasl.mta.root, HOSTNAME: 'mx.example.com', MTA_NODE: 'bench', GUARD_AUTH_FAILURES: String(FAILURES), SYSLOG_LEVEL: '5' },
    [],
    ns,
  );
  stacks.push({ stop: () => guard.stop() } as Stack);
  const banned = (ip: string) => guard.output().includes(`"event":"guard.banned","ip":"${ip}"`);

  // (2) handshakes at idle, then through the bursts of bans.
  const prober = spawn('ip', clientArgs(['probe', sasl.ports.submission as number, PROBE_MS, PROBER]), {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let probeOut = '';
  prober.stdout.on('data', (d: Buffer) => {
    probeOut += d.toString();
  });
  const probeDone = new Promise<void>((r) => prober.once('close', () => r()));
  await sleep(2000);
  // The same client work in both phases (a client process per burst, PER_BURST connections on 25), so what differs
  // is the bans alone.
  const logBefore = logOf(sasl, 'postfix').length;
  const idleFrom = Date.now();
  for (let b = 0; b < BURSTS; b++) {
    const t0 = Date.now();
    client('warm', sasl.ports.smtp, polite.slice(b * PER_BURST, (b + 1) * PER_BURST).join(','));
    await sleep(Math.max(0, GAP_MS - (Date.now() - t0)));
  }
  const idleTo = Date.now();
  const burstMs: number[] = [];
  for (let b = 0; b < BURSTS; b++) {
    const batch = bots.slice(b * PER_BURST, (b + 1) * PER_BURST);
    const t0 = Date.now();
    client('pregreet', sasl.ports.smtp, batch.join(','));
    await eventually(() => batch.every(banned), 30_000, `burst ${b} banned`);
    burstMs.push(Date.now() - t0);
    await sleep(Math.max(0, GAP_MS - (Date.now() - t0)));
  }
  const burstsTo = Date.now();
  // smtpd processes that exited before their next connection because a table they had open was replaced.
  const restarts = (
    logOf(sasl, 'postfix')
      .slice(logBefore)
      .match(/has changed -- restarting/g) ?? []
  ).length;
  prober.stdin.end();
  await probeDone;
  const probes = JSON.parse(probeOut) as { at: number; ms?: number; error?: string }[];
  const phase = (from: number, to: number) => {
    const ps = probes.filter((p) => p.at >= from && p.at < to);
    const ms = ps.filter((p) => p.ms !== undefined).map((p) => p.ms as number);
    return { count: ps.length, p50: pct(ms, 50), p99: pct(ms, 99), max: Math.max(...ms), failed: ps.filter((p) => p.error).length };
  };
  const idle = phase(idleFrom, idleTo);
  const during = phase(idleTo, burstsTo);

  // (3) bans after failed AUTH.
  client('warm', sasl.ports.smtp, guessers.join(','));
  const bans = client('ban', sasl.ports.smtp, sasl.ports.submission as number, FAILURES, guessers.join(',')) as { refusedMs: number }[];
  const banMs = bans.map((b) => b.refusedMs);
  const reloads = (logOf(sasl, 'postfix').match(/reload -- version/g) ?? []).length;

  result = {
    ...resultHeader('guard'),
    loadAverage: { before: loadBefore, after: loadavg()[0] },
    connections: {
      postscreenOnPerSecond: Math.round(sum(rates.on) / ROUNDS),
      postscreenOffPerSecond: Math.round(sum(rates.off) / ROUNDS),
      // postscreen's throughput relative to smtpd alone on the same machine in the same run.
      ratioOnToOff: Number((sum(rates.on) / sum(rates.off)).toFixed(2)),
      rounds: ROUNDS,
      perRound: PER_ROUND,
      concurrency: CONCURRENCY,
    },
    handshakes: {
      idle,
      duringBans: during,
      p99Ratio: Number((during.p99 / idle.p99).toFixed(2)),
      failed: idle.failed + during.failed,
      bans: bots.length,
      bursts: BURSTS,
      burstMs,
      smtpdRestarts: restarts,
    },
    banAfterFailedAuth: {
      failures: FAILURES,
      samples: banMs.length,
      p50Ms: pct(banMs, 50),
      p99Ms: pct(banMs, 99),
      maxMs: Math.max(...banMs),
      samplesMs: banMs,
    },
    postfixReloads: reloads,
    note: `connect, 220, QUIT from addresses postscreen already passed (its cache); rounds alternate on/off. Handshakes: EHLO, STARTTLS and the TLS handshake on 587, one started every ${PROBE_MS} ms, through ${BURSTS} bursts of ${PER_BURST} clients on 25 ${GAP_MS / 1000} s apart that wait for the greeting (idle: no bans), then through as many bursts of bots that talk before it (each banned at once). Ban time: from the 535 reply of the N-th failed AUTH on 587 until port 25 answers that address's RCPT with 421 (the guard follows the log, writes the ban, puts it into postfix's lmdb table in place: no reload). smtpdRestarts: smtpd processes that exited before their next connection because the guard's first change after its start rebuilt the table (renamed into place); later bans change it in place. Taken on a shared machine while other work ran: the ratios are what compare.`,
  };
} finally {
  for (const s of stacks.reverse()) await s.stop().catch(() => undefined);
  ns.remove();
}
writeResult('guard', result);
