// Internet-facing defences: (1) connections accepted per second on port 25 with postscreen in front versus smtpd
// alone, alternating rounds in one run (clients already known to postscreen: its steady state; a new client waits
// POSTSCREEN_GREET_WAIT once); (2) the time from the N-th failed AUTH (the 535 reply) until port 25 refuses that
// address (the guard followed the log line, wrote the ban, postfix reloaded), p50/p99 over many addresses.
// Real postfix, dovecot and guard in a network namespace (root, ip). Writes bench/results/guard.json.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startGuard } from '@mta/test/defences/guard-process';
import { type Stack, startStack } from '@mta/test/defences/stack';
import { createNetns } from '@mta/test/harness/index';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_CONNECTIONS ?? 400);
const CONCURRENCY = 20;
const BAN_SAMPLES = Number(process.env.BENCH_BAN_SAMPLES ?? 24);
const FAILURES = 3;

const clients = Array.from({ length: CONCURRENCY }, (_, i) => `192.0.2.${100 + i}`);
const guessers = Array.from({ length: BAN_SAMPLES }, (_, i) => `198.51.100.${10 + i}`);
const ns = createNetns(`mta-bench-guard-${process.pid}`, [...clients, ...guessers]);
const CLIENT = fileURLToPath(new URL('./guard/client.ts', import.meta.url));
const client = (...args: (string | number)[]) => {
  const r = spawnSync(
    'ip',
    ['netns', 'exec', ns.name, process.execPath, '--conditions=source', '--import', 'tsx', CLIENT, ...args.map(String)],
    {
      encoding: 'utf8',
      timeout: 600_000,
    },
  );
  if (r.status !== 0) throw new Error(`client ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
};
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] as number;

const base = {
  MAIL_DOMAIN: 'example.com',
  MAIL_BOXES: 'alice@example.com',
  MYNETWORKS: '127.0.0.0/8',
  // The anvil limits would throttle the bench's few client addresses: what is measured is postscreen's cost.
  SMTPD_CLIENT_CONNECTION_RATE_LIMIT: '0',
  SMTPD_CLIENT_CONNECTION_COUNT_LIMIT: '0',
};
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

  // (2) the guard on a SASL stack, following the logs as in the image.
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
  client('warm', sasl.ports.smtp, guessers.join(','));
  const bans = client(
    'ban',
    sasl.ports.smtp,
    sasl.ports.submission as number,
    FAILURES,
    guessers.join(','),
    sasl.mta.paths.guardPostfixMap,
  ) as {
    mapMs?: number;
    refusedMs: number;
  }[];
  const banMs = bans.map((b) => b.refusedMs);
  const mapMs = bans.map((b) => b.mapMs ?? b.refusedMs);

  result = {
    ...resultHeader('guard'),
    connections: {
      postscreenOnPerSecond: Math.round(sum(rates.on) / ROUNDS),
      postscreenOffPerSecond: Math.round(sum(rates.off) / ROUNDS),
      // postscreen's throughput relative to smtpd alone on the same machine in the same run.
      ratioOnToOff: Number((sum(rates.on) / sum(rates.off)).toFixed(2)),
      rounds: ROUNDS,
      perRound: PER_ROUND,
      concurrency: CONCURRENCY,
    },
    banAfterFailedAuth: {
      failures: FAILURES,
      samples: banMs.length,
      p50Ms: pct(banMs, 50),
      p99Ms: pct(banMs, 99),
      maxMs: Math.max(...banMs),
      // Of which: until the guard's postfix map held the address (log followed, ban written).
      mapP50Ms: pct(mapMs, 50),
      mapP99Ms: pct(mapMs, 99),
      samplesMs: banMs,
    },
    note: 'connect, 220, QUIT from addresses postscreen already passed (its cache); rounds alternate on/off; ban time = from the 535 reply of the N-th failed AUTH on 587 until postscreen drops the address on 25 (guard follows the log, writes the ban, reloads postfix); taken on a shared machine while other work ran: the ratio is what compares',
  };
} finally {
  for (const s of stacks.reverse()) await s.stop().catch(() => undefined);
  ns.remove();
}
writeResult('guard', result);
