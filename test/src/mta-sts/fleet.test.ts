import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fleetBody, type Outbound, StsFleet, startOutbound } from '@mta/mta-sts';
import { createLogger, FleetIdentity, kvKey, openBucket, openLedger, STS_BUCKET, seal } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { type DnsServer, startDns } from '../harness/dns.ts';
import { eventually, type FleetNats, initializedFleetNats, type NodeKey, nodeKey, tempRoot } from '../harness/index.ts';
import { type PolicyServer, policyText, startPolicyServer } from './policy-server.ts';

// The shared policy cache: two nodes on the example NATS configuration (TLS, NKEY users, least privilege). What one
// node fetches, the other enforces without fetching; entries that would lift a domain's protection are not applied.
const keys: NodeKey[] = ['mx-a', 'mx-b'].map(nodeKey);
const rogue = nodeKey('mx-rogue');
let nats: FleetNats;
let dns: DnsServer;
let srv: PolicyServer;
const cleanups: (() => Promise<void>)[] = [];
const logs: string[] = [];
const events: { subject: string; data: Record<string, unknown> }[] = [];

interface Node {
  out: Outbound;
  identity: FleetIdentity;
}

const identity = (k: NodeKey) =>
  FleetIdentity.load(
    k.seed,
    k.name,
    keys.filter((x) => x !== k).map((x) => ({ name: x.name, key: x.publicKey })),
  );

async function node(k: NodeKey, user: 'mx1' | 'mx2'): Promise<Node> {
  const t = await tempRoot(`mta-sts-fleet-${k.name}-`);
  cleanups.push(t.cleanup);
  const log = createLogger({ sidecar: 'mta-sts', node: k.name, destination: { write: (s: string) => void logs.push(s) } });
  const nc: NatsConnection = await nats.login(user, { name: k.name });
  const id = await identity(k);
  const ledger = await openLedger(join(t.dir, 'fleet'), STS_BUCKET, id, log);
  const link: { fleet?: StsFleet } = {};
  mkdirSync(join(t.dir, 'run'));
  const out = await startOutbound({
    socket: join(t.dir, 'run/policy.sock'),
    map: 'mta-sts',
    cacheDir: join(t.dir, 'cache'),
    dns: { host: '127.0.0.1', port: dns.port },
    daneCheck: false,
    postfixVersion: '3.10.13',
    node: k.name,
    log,
    fetch: { ca: [srv.ca.certPem], port: srv.port, lookup: srv.lookup },
    onStored: (e) => void link.fleet?.share(e),
  });
  link.fleet = new StsFleet({
    connection: async () => nc,
    identity: id,
    ledger,
    cache: out.cache,
    resolver: out.resolver,
    log,
    publish: (subject, data) => void events.push({ subject, data }),
  });
  link.fleet.start();
  const fleet = link.fleet;
  cleanups.push(async () => {
    await fleet.close();
    await out.close();
    await nc.close();
  });
  return { out, identity: id };
}

let a: Node;
let b: Node;

before(async () => {
  nats = await initializedFleetNats('mta-sts-fleet-nats-');
  cleanups.push(() => nats.stop());
  dns = await startDns({ txt: { '_mta-sts.a.test': ['v=STSv1; id=1'] } });
  srv = await startPolicyServer(['mta-sts.a.test']);
  srv.served.set('a.test', { body: policyText('enforce', ['mx.a.test'], 86400) });
  cleanups.push(
    () => dns.stop(),
    () => srv.stop(),
  );
  a = await node(keys[0] as NodeKey, 'mx1');
  b = await node(keys[1] as NodeKey, 'mx2');
});
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const mode = (n: Node) => n.out.cache.get('a.test')?.policy.mode;

test('a policy one node fetched is enforced by the other without fetching it again', async () => {
  assert.equal((await a.out.resolver.decide('a.test')).kind, 'enforce');
  await eventually(() => mode(b) === 'enforce', 15_000, 'node B has the policy');
  assert.equal((await b.out.resolver.decide('a.test')).kind, 'enforce');
  assert.equal(srv.hits.get('a.test'), 1, 'fetched once, by A');
  assert.ok(logs.some((l) => l.includes('"mtasts.fleet.adopted"') && l.includes('"signer":"mx-a"')));
});

test('attack: forged entries on the bus (unsigned, untrusted signer) do not downgrade the domain', async () => {
  const nc = await nats.login('mx2');
  try {
    const kv = await openBucket(nc, STS_BUCKET);
    const none = fleetBody({ domain: 'a.test', id: '2', text: policyText('none', [], 86400), fetchedAt: Date.now(), by: 'x' });
    const before = events.length;
    await kv.put(kvKey('a.test'), none);
    await kv.put(kvKey('a.test'), seal(await FleetIdentity.load(rogue.seed, 'mx-rogue'), STS_BUCKET, 'a.test', none));
    await eventually(
      () => events.slice(before).filter((e) => e.subject === 'mta.fleet.refused').length >= 4,
      15_000,
      'both nodes refused both',
    );
    assert.equal(mode(a), 'enforce');
    assert.equal(mode(b), 'enforce');
    assert.equal((await b.out.resolver.decide('a.test')).kind, 'enforce');
  } finally {
    await nc.close();
  }
});

test('attack: even a trusted signature on a weaker policy only makes the node fetch for itself', async () => {
  const nc = await nats.login('mx1');
  try {
    const kv = await openBucket(nc, STS_BUCKET);
    const hits = srv.hits.get('a.test') ?? 0;
    const none = fleetBody({ domain: 'a.test', id: '3', text: policyText('none', [], 86400), fetchedAt: Date.now(), by: 'x' });
    await kv.put(kvKey('a.test'), seal(a.identity, STS_BUCKET, 'a.test', none));
    // B refuses to apply it and asks the policy server itself, which still says enforce.
    await eventually(() => (srv.hits.get('a.test') ?? 0) > hits, 15_000, 'node B fetched the policy itself');
    await eventually(() => logs.some((l) => l.includes('weaker mode none')), 15_000, 'the refusal logged');
    assert.equal(mode(b), 'enforce');
    assert.equal((await b.out.resolver.decide('a.test')).kind, 'enforce');
  } finally {
    await nc.close();
  }
});
