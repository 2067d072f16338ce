import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '@mta/cli/program';
import { runDkimKeys } from '@mta/dkim-keys/service';
import { createLogger, DKIM_BUCKET, FleetIdentity, initFleet, mtaPaths, openBucket, openEntry, seal } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { runOnce, startSidecarProcess } from '../dkim/helpers.ts';
import {
  type Daemon,
  eventually,
  type FleetNats,
  fleetEnv,
  heartbeatOf,
  type NodeKey,
  nodeKey,
  startDaemon,
  startFleetNats,
  tempRoot,
} from '../harness/index.ts';

// Fleet DKIM: nodes (separate temp roots, own connections, own signing keys) share one JetStream KV bucket on a
// real nats-server run from examples/fleet/nats-server.conf (TLS, one NKEY user per node, least privilege).
describe('dkim-keys in fleet mode', () => {
  let nats: FleetNats;
  // NATS users of the example config, alternating between nodes.
  const user = (name: string) => (name.charCodeAt(name.length - 1) % 2 ? 'mx1' : 'mx2');
  const keys: NodeKey[] = ['mx-a', 'mx-b', 'mx-c', 'mx-d', 'mx-e', 'mx-f', 'mx-g', 'mx-h', 'mx-i'].map(nodeKey);
  const keyOf = (name: string) => keys.find((k) => k.name === name) as NodeKey;
  const identity = (name: string) => {
    const me = keyOf(name);
    return FleetIdentity.load(
      me.seed,
      name,
      keys.filter((k) => k !== me).map((k) => ({ name: k.name, key: k.publicKey })),
    );
  };
  // The signed value of a bucket entry, as a trusted node reads it.
  const bucketValue = async (nc: NatsConnection, key: string) => {
    const e = await (await openBucket(nc, DKIM_BUCKET)).get(key);
    const r = e ? openEntry(await identity('mx-a'), DKIM_BUCKET, key, e.value) : undefined;
    return r?.ok ? r.body.toString('utf8') : undefined;
  };
  const cleanups: (() => Promise<void>)[] = [];
  const logs: string[] = [];
  const events: { node: string; subject: string; data: Record<string, unknown> }[] = [];

  const pem = () => String(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }));
  const keyFile = (root: string, domain: string) => join(mtaPaths(root).dkim, `${domain}.default.privkey.pem`);
  const txtOf = async (root: string, domain: string) =>
    (await readFile(join(mtaPaths(root).dkim, `${domain}.default._domainkey.txt`), 'utf8'))
      .match(/"([^"]*)"/g)
      ?.map((s) => s.slice(1, -1))
      .join('');

  // A stand-in amavis: a real process whose pid file the service signals; counts SIGHUPs in a file.
  async function fakeAmavis(root: string): Promise<{ pidFile: string; hups: () => Promise<number> }> {
    const hupFile = join(root, 'hups');
    await writeFile(hupFile, '');
    const d: Daemon = startDaemon('sh', ['-c', `trap 'echo hup >> ${hupFile}' HUP; while :; do sleep 0.05; done`]);
    cleanups.push(() => d.stop());
    const pidFile = join(root, 'amavisd.pid');
    await writeFile(pidFile, `${d.proc.pid}\n`);
    return { pidFile, hups: async () => (await readFile(hupFile, 'utf8')).split('\n').filter(Boolean).length };
  }

  async function newRoot(): Promise<string> {
    const t = await tempRoot('mta-fleet-dkim-');
    cleanups.push(t.cleanup);
    await mkdir(mtaPaths(t.dir).dkim, { recursive: true });
    return t.dir;
  }

  // One node: the real service (runDkimKeys, watching) with its own NATS connection.
  async function node(name: string, root: string, domains: string[], bits = 1024) {
    const nc: NatsConnection = await nats.login(user(name), { name });
    const amavis = await fakeAmavis(root);
    const log = createLogger({ sidecar: 'dkim-keys', node: name, destination: { write: (s: string) => void logs.push(s) } });
    const svc = await runDkimKeys({
      paths: mtaPaths(root),
      config: {
        MAIL_DOMAIN: domains,
        DKIM_SELECTOR: 'default',
        DKIM_KEYBITS: bits,
        DKIM_PRIVATEKEY: undefined,
        FORCE_CONFIG: undefined,
        DOCKER_UNLOCK_FILE: 'srv/etc/.docker.unlock',
      },
      log,
      publish: (subject, data) => void events.push({ node: name, subject, data }),
      watch: true,
      amavis: { pidFiles: [amavis.pidFile], comm: /^sh$/, uid: process.getuid?.() ?? 0 },
      // The stand-in survives back-to-back SIGHUPs (a real amavis would not: default gap 20 s).
      reloadGapMs: 1000,
      fleet: {
        connection: async () => nc,
        retryMs: 200,
        identity: await identity(name),
        publish: (subject, data) => void events.push({ node: name, subject, data }),
      },
    });
    cleanups.push(async () => {
      await svc.close();
      await nc.close();
    });
    return { name, root, svc, amavis, nc };
  }

  before(async () => {
    const t = await tempRoot('mta-fleet-dkim-nats-');
    cleanups.push(t.cleanup);
    nats = await startFleetNats(t.dir, 1);
    cleanups.push(() => nats.stop());
    const admin = await nats.login('admin');
    await initFleet(admin, 1);
    await admin.close();
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  test('the first node publishes its key; a second node adopts it instead of generating one', async () => {
    const a = await node('mx-a', await newRoot(), ['a.test']);
    const b = await node('mx-b', await newRoot(), ['a.test']);
    const fa = await readFile(keyFile(a.root, 'a.test'));
    assert.deepEqual(await readFile(keyFile(b.root, 'a.test')), fa, 'byte-identical key files');
    assert.equal(await txtOf(b.root, 'a.test'), await txtOf(a.root, 'a.test'), 'one DNS TXT value');
    assert.deepEqual(
      events.filter((e) => e.data.domain === 'a.test').map((e) => `${e.node} ${e.subject} ${e.data.source}`),
      ['mx-a mta.dkim.key.created generated', 'mx-b mta.dkim.key.imported fleet'],
    );
    await assert.rejects(readFile(`${keyFile(b.root, 'a.test')}.bak`), /ENOENT/, 'nothing was replaced on b');
    assert.match(await readFile(mtaPaths(b.root).amavisDkim, 'utf8'), /dkim_key\('a\.test', 'default'/);
    assert.equal(await bucketValue(a.nc, 'a.test.default'), fa.toString('utf8'));
    // Both nodes report the same fingerprint to `mta fleet status`.
    assert.deepEqual(a.svc.core.known.get('a.test.default.privkey.pem'), b.svc.core.known.get('a.test.default.privkey.pem'));
  });

  test('conflicting keys on two nodes starting together resolve to one winner; the loser keeps its key as .bak', async () => {
    const [rc, rd] = [await newRoot(), await newRoot()];
    const [kc, kd] = [pem(), pem()];
    await writeFile(keyFile(rc, 'c.test'), kc, { mode: 0o640 });
    await writeFile(keyFile(rd, 'c.test'), kd, { mode: 0o640 });
    const [c, d] = await Promise.all([node('mx-c', rc, ['c.test']), node('mx-d', rd, ['c.test'])]);
    const winner = await eventually(() => bucketValue(c.nc, 'c.test.default'), 5000, 'bucket entry');
    assert.ok(winner === kc || winner === kd, 'the fleet key is one of the two');
    const loser = winner === kc ? d : c;
    const loserOriginal = winner === kc ? kd : kc;
    for (const n of [c, d])
      await eventually(async () => (await readFile(keyFile(n.root, 'c.test'), 'utf8')) === winner, 5000, `${n.name} adopted`);
    assert.equal(await readFile(`${keyFile(loser.root, 'c.test')}.bak`, 'utf8'), loserOriginal);
    assert.equal(await txtOf(c.root, 'c.test'), await txtOf(d.root, 'c.test'));
    await eventually(async () => (await loser.amavis.hups()) >= 1, 3000, 'loser reloaded amavis');
    const conflict = logs.map((l) => JSON.parse(l)).find((l) => l.event === 'dkim.fleet.conflict' && l.domain === 'c.test');
    assert.equal(conflict?.node, loser.name);
    assert.match(String(conflict.local), /^SHA256:/);
    assert.match(String(conflict.fleet), /^SHA256:/);
    assert.notEqual(conflict.local, conflict.fleet);
  });

  test('a node joining late adopts the fleet key over the one its --once entry step generated', async () => {
    const re = await newRoot();
    // The entry step runs before NATS is reachable and mints its own key.
    const once = await runOnce(re, { MAIL_DOMAIN: 'a.test', DKIM_KEYBITS: '1024' });
    assert.equal(once.code, 0, once.output);
    const own = await readFile(keyFile(re, 'a.test'), 'utf8');
    const nc = await nats.login('mx1');
    cleanups.push(() => nc.close());
    const fleetKey = await bucketValue(nc, 'a.test.default');
    assert.ok(fleetKey && fleetKey !== own);
    const beats: Record<string, unknown>[] = [];
    nc.subscribe('mta.fleet.heartbeat', { callback: (_e, m) => void beats.push(heartbeatOf(m.json())) });
    // The real sidecar process: TLS with a client certificate, NKEY login as mx2, its own signing key.
    const proc = startSidecarProcess(re, {
      MAIL_DOMAIN: 'a.test',
      DKIM_KEYBITS: '1024',
      ...nats.nodeEnv('mx2'),
      MTA_NODE: 'mx2',
      ...fleetEnv(keyOf('mx-e'), keys),
    });
    cleanups.push(() => proc.stop());
    await eventually(async () => (await readFile(keyFile(re, 'a.test'), 'utf8')) === fleetKey, 10_000, 'late node adopted').catch(
      (e: Error) => {
        throw new Error(`${e.message}\n${proc.output()}`);
      },
    );
    assert.equal(await readFile(`${keyFile(re, 'a.test')}.bak`, 'utf8'), own);
    const beat = await eventually(
      () => beats.find((b) => b.node === 'mx2' && (b.dkim as Record<string, string>)?.['a.test.default']?.startsWith('SHA256:') && b),
      12_000,
      'heartbeat',
    );
    const a = JSON.parse(logs.find((l) => l.includes('"mx-a"') && l.includes('dkim.fleet.published')) ?? '{}');
    assert.equal((beat.dkim as Record<string, string>)['a.test.default'], a.fingerprint);
    assert.match(proc.output(), /"event":"dkim.fleet.conflict"/);
    assert.doesNotMatch(proc.output(), /PRIVATE KEY|AIBAAK/);
  });

  test('forged, untrusted, unsigned, foreign-domain and weak keys are refused with an event; the bucket heals', async () => {
    const f = await node('mx-f', await newRoot(), ['f.test'], 2048);
    const g = await node('mx-g', await newRoot(), ['f.test'], 2048);
    const mine = await readFile(keyFile(f.root, 'f.test'), 'utf8');
    await eventually(async () => (await readFile(keyFile(g.root, 'f.test'), 'utf8').catch(() => '')) === mine, 5000, 'g adopted');
    const following = (name: string) => logs.some((l) => l.includes(`"node":"${name}"`) && l.includes('"event":"fleet.following"'));
    await eventually(() => following('mx-f') && following('mx-g'), 5000, 'both nodes follow the bucket');
    const kv = await openBucket(f.nc, DKIM_BUCKET);
    let key = '';
    const refusals = () =>
      events
        .filter((e) => e.subject === 'mta.fleet.refused' && e.node === 'mx-g' && e.data.entry === key)
        .map((e) => String(e.data.reason));
    const rogue = await FleetIdentity.load(nodeKey('rogue').seed, 'rogue', [{ name: 'mx-f', key: keyOf('mx-f').publicKey }]);
    const mxh = await identity('mx-h');
    const weak = () => new TextEncoder().encode(pem());
    // Each value is made (and signed) right before it is written.
    const attempts: [string, (() => Uint8Array) | undefined, RegExp][] = [
      ['f.test.default', weak, /not a signed fleet entry/],
      ['f.test.default', () => seal(rogue, DKIM_BUCKET, 'f.test.default', weak()), /not in MTA_FLEET_TRUST/],
      ['f.test.default', () => seal(mxh, DKIM_BUCKET, 'f.test.default', weak()), /1024-bit key, below DKIM_KEYBITS=2048/],
      ['other.test.default', () => seal(mxh, DKIM_BUCKET, 'other.test.default', weak()), /not a domain this node serves/],
      ['f.test.default', undefined, /unsigned delete/],
    ];
    for (const [k, value, why] of attempts) {
      key = k;
      const before = refusals().length;
      if (value) await kv.put(key, value());
      else await kv.delete(key);
      await eventually(() => refusals().length > before && refusals().at(-1), 5000, `refused: ${why}`);
      assert.match(refusals().at(-1) ?? '', why);
    }
    for (const n of [f, g]) assert.equal(await readFile(keyFile(n.root, 'f.test'), 'utf8'), mine, `${n.name} kept its key`);
    await assert.rejects(readFile(keyFile(g.root, 'other.test')), /ENOENT/);
    // The nodes wrote their signed key back over the forgeries.
    await eventually(async () => (await bucketValue(f.nc, 'f.test.default')) === mine, 15_000, 'bucket healed');
  });

  test('`mta fleet retire` of a key: every node drops it and the fleet settles on one new key', async () => {
    const h = await node('mx-h', await newRoot(), ['h.test']);
    const i = await node('mx-i', await newRoot(), ['h.test']);
    const old = await readFile(keyFile(h.root, 'h.test'), 'utf8');
    await eventually(async () => (await readFile(keyFile(i.root, 'h.test'), 'utf8').catch(() => '')) === old, 5000, 'i adopted');
    const hups = [await h.amavis.hups(), await i.amavis.hups()];
    // The operator on node h: the CLI over TLS with h's NATS login, signing with h's key.
    const out: string[] = [];
    const env = { HOSTNAME: 'mx.h.test', ...nats.nodeEnv('mx1'), MTA_NODE: 'mx1', MTA_FLEET_KEY: keyOf('mx-h').seed };
    const code = await runCli(['fleet', 'retire', 'dkim', 'h.test'], { env, out: (l) => out.push(l), err: (l) => out.push(l) });
    assert.equal(code, 0, out.join('\n'));
    assert.match(out.join('\n'), /retired mta-dkim h\.test\.default/);
    const fresh = await eventually(
      async () => {
        const v = await bucketValue(h.nc, 'h.test.default');
        return v && v !== old ? v : undefined;
      },
      15_000,
      'a new key in the bucket',
    );
    for (const n of [h, i]) {
      await eventually(
        async () => (await readFile(keyFile(n.root, 'h.test'), 'utf8')) === fresh,
        10_000,
        `${n.name} signs with the new key`,
      );
      assert.equal(await readFile(`${keyFile(n.root, 'h.test')}.retired`, 'utf8'), old);
    }
    await eventually(
      async () => (await h.amavis.hups()) > (hups[0] ?? 0) && (await i.amavis.hups()) > (hups[1] ?? 0),
      5000,
      'amavis reloaded',
    );
  });

  test('key material never reaches logs or events', () => {
    const all = logs.join('\n') + JSON.stringify(events);
    assert.doesNotMatch(all, /PRIVATE KEY|AIBAAK/);
  });
});
