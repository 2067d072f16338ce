// bench/fleet-failover: how long after one server of a 3-server JetStream cluster dies every node is watching the
// fleet buckets again. The cluster runs examples/fleet/nats-server.conf (TLS, one NKEY user per node); three nodes
// follow mta-dkim with the sidecars' own code (Bus + followBucket), each starting at another server. Each round kills
// the server one of them is connected to, writes a new value (retried until the cluster takes it) and measures from
// the kill until every node has received it; then the server comes back and the cluster settles. The baseline is
// the same write with every server up, measured in the same run. Writes bench/results/fleet-failover.json.
import { Bus, createLogger, DKIM_BUCKET, type Following, followBucket, initFleet } from '@mta/shared';
import { eventually, startFleetNats, tempRoot } from '@mta/test/harness/index';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 12);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const t = await tempRoot('mta-bench-failover-');
const nats = await startFleetNats(t.dir, 3);
const admin = await nats.login('admin');
await initFleet(admin, 3);
await admin.close();
const logFor = (node: string) => createLogger({ sidecar: 'bench', node, syslogLevel: Number(process.env.BENCH_LOG ?? 3) });
const names = ['mx1', 'mx2', 'mx3'] as const;
// Per node: when it received each value.
const seen = names.map(() => new Map<string, number>());
const buses = names.map((n, i) => {
  const env = nats.nodeEnv(n, i);
  return Bus.start({
    servers: env.NATS_URL?.split(',') ?? [],
    name: `bench-${n}`,
    node: n,
    log: logFor(n),
    nkey: env.NATS_NKEY,
    tls: { ca: env.NATS_TLS_CA, cert: env.NATS_TLS_CERT, key: env.NATS_TLS_KEY },
  });
});
const follows: Following[] = buses.map((bus, i) =>
  followBucket({
    connection: () => bus.connection(),
    bucket: DKIM_BUCKET,
    log: logFor(names[i] ?? '?'),
    onEntry: async (e) => {
      seen[i]?.set(new TextDecoder().decode(e.value), performance.now());
    },
  }),
);
const writer = await nats.login('mx1');
// Short request timeouts: the writer tries again at once when the cluster is still electing.
const kv = await new Kvm(jetstream(writer, { timeout: 500 })).open(DKIM_BUCKET);
// Writes `value` (retrying while the cluster elects) and returns when every node has it, in ms from t0.
const propagate = async (value: string, t0: number): Promise<number[]> => {
  await eventually(
    () =>
      kv.put('bench.default', new TextEncoder().encode(value)).then(
        () => true,
        () => false,
      ),
    60_000,
    `put ${value}`,
  );
  await eventually(() => seen.every((m) => m.has(value)), 60_000, `every node has ${value}`);
  return seen.map((m) => Math.round((m.get(value) ?? 0) - t0));
};
const settle = async () => {
  // Every node connected, and a write reaches all of them.
  await eventually(() => buses.every((b) => b.connected), 30_000, 'nodes connected');
  await propagate(`settle-${performance.now()}`, performance.now());
};

const baseline: number[] = [];
const failover: number[] = [];
const rounds: { killed: number; perNodeMs: number[] }[] = [];
try {
  await settle();
  for (let r = 0; r < 5; r++) baseline.push(Math.max(...(await propagate(`base-${r}`, performance.now()))));
  for (let r = 0; r < ROUNDS; r++) {
    // The server the round's node is connected to.
    const nc = await buses[r % 3]?.connection();
    const server = nc?.getServer() ?? '';
    const killed = Math.max(
      0,
      nats.urls.findIndex((u) => u.endsWith(server)),
    );
    const t0 = performance.now();
    await nats.kill(killed);
    const perNodeMs = await propagate(`round-${r}`, t0);
    failover.push(Math.max(...perNodeMs));
    rounds.push({ killed, perNodeMs });
    console.log(
      `round ${r}: killed n${killed + 1}, every node had the new value after ${Math.max(...perNodeMs)} ms (${perNodeMs.join('/')})`,
    );
    await nats.restart(killed);
    await sleep(3000);
    await settle();
  }
} finally {
  for (const f of follows) await f.close();
  for (const b of buses) await b.close();
  await writer.close();
  await nats.stop();
  await t.cleanup();
}

const sorted = [...failover].sort((x, y) => x - y);
const base = [...baseline].sort((x, y) => x - y);
const result = {
  ...resultHeader('fleet-failover'),
  rounds: ROUNDS,
  failoverMs: { p50: pct(sorted, 50), p99: pct(sorted, 99), min: sorted[0], max: sorted.at(-1), all: failover },
  baselineMs: { p50: pct(base, 50), max: base.at(-1) },
  ratioP50: Number((pct(sorted, 50) / Math.max(1, pct(base, 50))).toFixed(1)),
  perRound: rounds,
  note: 'from killing the server one node is connected to until every one of three nodes (Bus + followBucket) received a value written after the kill; TLS cluster from examples/fleet/nats-server.conf, one host',
  cpus: (await import('node:os')).cpus().length,
  // Other work on the host during the run (the figure needs a quiet machine to mean much).
  loadavg: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2))),
};
writeResult('fleet-failover', result);
