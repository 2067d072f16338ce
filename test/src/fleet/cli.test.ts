import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '@mta/cli/program';
import { Bus, FleetIdentity, startHeartbeat } from '@mta/shared';
import { freePort, type NatsServer, nodeKey, startNats } from '../harness/index.ts';

let nats: NatsServer;
before(async () => {
  nats = await startNats();
});
after(() => nats.stop());

const io = (env: Record<string, string>) => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { env: { HOSTNAME: 'mx.example.com', ...env }, out: (l: string) => out.push(l), err: (l: string) => err.push(l) },
  };
};

test('mta fleet status merges the signed heartbeats of two nodes; unsigned and untrusted ones are not shown', async () => {
  const keys = [nodeKey('mx1'), nodeKey('mx2')];
  const ids = await Promise.all(keys.map((k) => FleetIdentity.load(k.seed, k.name)));
  const buses = keys.map((k) => Bus.start({ servers: [nats.url], name: k.name, node: k.name }));
  const stops = buses.map((bus, i) =>
    startHeartbeat(
      bus,
      ids[i]!,
      () => ({ sidecar: 'acme-watch', certSerial: `SERIAL${i}`, dkim: { 'example.com.default': `fp${i}` } }),
      300,
    ),
  );
  // A bus client without a trusted key claims to be a third node, and mx1.
  const rogue = await FleetIdentity.load(nodeKey('mx3').seed, 'mx3');
  const stopRogue = startHeartbeat(buses[0]!, rogue, () => ({ sidecar: 'acme-watch', certSerial: 'FORGED' }), 300);
  const forged = setInterval(() => buses[1]!.publish('mta.fleet.heartbeat', { sidecar: 'acme-watch', certSerial: 'FORGED' }), 300);
  const t = io({ NATS_URL: nats.url, MTA_FLEET_TRUST: keys.map((k) => `${k.name}=${k.publicKey}`).join(' ') });
  const code = await runCli(['fleet', 'status', '--wait', '1500', '--json'], t.io);
  for (const stop of [...stops, stopRogue]) stop();
  clearInterval(forged);
  await Promise.all(buses.map((b) => b.close()));
  assert.equal(code, 0, t.err.join('\n'));
  const rows = JSON.parse(t.out.join('\n')) as { node: string; certSerial: string; dkim: Record<string, string> }[];
  assert.deepEqual(
    rows.map((r) => [r.node, r.certSerial, r.dkim['example.com.default']]),
    [
      ['mx1', 'SERIAL0', 'fp0'],
      ['mx2', 'SERIAL1', 'fp1'],
    ],
  );
  assert.match(t.err.join('\n'), /^\d+ heartbeats ignored: not signed by a key in MTA_FLEET_TRUST/m);
});

test('mta events prints live events as JSON lines', async () => {
  const bus = Bus.start({ servers: [nats.url], name: 'pub', node: 'mx9' });
  await bus.connection();
  const t = io({ NATS_URL: nats.url });
  const run = runCli(['events', '-n', '1'], t.io);
  const timer = setInterval(() => bus.publish('mta.seed.done', { domains: ['example.com'] }), 100);
  const code = await run;
  clearInterval(timer);
  await bus.close();
  assert.equal(code, 0);
  const ev = JSON.parse(t.out[0] ?? '{}');
  assert.equal(ev.subject, 'mta.seed.done');
  assert.equal(ev.node, 'mx9');
});

test('without a bus the CLI says so and exits 2 instead of hanging', async () => {
  const t = io({ NATS_URL: `nats://127.0.0.1:${await freePort()}` });
  const code = await runCli(['events', '--timeout', '300'], t.io);
  assert.equal(code, 2);
  assert.match(t.err.join('\n'), /not reachable/);
});

test('mta fleet keygen prints a usable MTA_FLEET_KEY, and --public the entry the other nodes trust', async () => {
  const t = io({});
  assert.equal(await runCli(['fleet', 'keygen'], t.io), 0, t.err.join('\n'));
  const seed = /^seed: (SU[A-Z2-7]{56})$/.exec(t.out[0] ?? '')?.[1];
  const pub = /^public: (U[A-Z2-7]{55})$/.exec(t.out[1] ?? '')?.[1];
  assert.ok(seed && pub, t.out.join('\n'));
  const p = io({ MTA_FLEET_KEY: seed, MTA_NODE: 'mx7' });
  assert.equal(await runCli(['fleet', 'keygen', '--public'], p.io), 0, p.err.join('\n'));
  assert.deepEqual(p.out, [`mx7=${pub}`]);
  const bad = io({ MTA_FLEET_KEY: `${seed.slice(0, -2)}AA` });
  assert.notEqual(await runCli(['fleet', 'keygen', '--public'], bad.io), 0);
});
