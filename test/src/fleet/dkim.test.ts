import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runDkimKeys } from '@mta/dkim-keys/service';
import { createLogger, DKIM_BUCKET, mtaPaths, openBucket } from '@mta/shared';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { runOnce, startSidecarProcess } from '../dkim/helpers.ts';
import { type Daemon, eventually, freePort, startDaemon, tempRoot, waitForPort } from '../harness/index.ts';

// Fleet DKIM: nodes (separate temp roots, own connections) share one JetStream KV bucket on a real nats-server
// configured like examples/fleet/nats-server.conf.
describe('dkim-keys in fleet mode', () => {
  let url = '';
  const user = (name: string) =>
    name.charCodeAt(name.length - 1) % 2 ? { user: 'mx1', pass: 'change-me-mx1' } : { user: 'mx2', pass: 'change-me-mx2' };
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
  async function node(name: string, root: string, domains: string[]) {
    const nc: NatsConnection = await connect({ servers: url, name, ...user(name) });
    const amavis = await fakeAmavis(root);
    const log = createLogger({ sidecar: 'dkim-keys', node: name, destination: { write: (s: string) => void logs.push(s) } });
    const svc = await runDkimKeys({
      paths: mtaPaths(root),
      config: {
        MAIL_DOMAIN: domains,
        DKIM_SELECTOR: 'default',
        DKIM_KEYBITS: 1024,
        DKIM_PRIVATEKEY: undefined,
        FORCE_CONFIG: undefined,
        DOCKER_UNLOCK_FILE: 'srv/etc/.docker.unlock',
      },
      log,
      publish: (subject, data) => void events.push({ node: name, subject, data }),
      watch: true,
      amavis: { pidFiles: [amavis.pidFile], comm: /^sh$/, uid: process.getuid?.() ?? 0 },
      fleet: { connection: async () => nc, retryMs: 200 },
    });
    cleanups.push(async () => {
      await svc.close();
      await nc.close();
    });
    return { name, root, svc, amavis, nc };
  }

  // The shipped example config: nodes log in as mx1/mx2 with exactly the permissions it grants.
  before(async () => {
    const t = await tempRoot('mta-fleet-dkim-nats-');
    const port = await freePort();
    const conf = readFileSync(new URL('../../../examples/fleet/nats-server.conf', import.meta.url), 'utf8')
      .replace('listen: 127.0.0.1:4222', `listen: 127.0.0.1:${port}`)
      .replace('store_dir: /var/lib/nats', `store_dir: ${join(t.dir, 'js')}`);
    await writeFile(join(t.dir, 'nats.conf'), conf);
    const server = startDaemon('nats-server', ['-c', join(t.dir, 'nats.conf')]);
    cleanups.push(t.cleanup, () => server.stop());
    await waitForPort(port);
    url = `nats://127.0.0.1:${port}`;
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
    const kv = await openBucket(a.nc, DKIM_BUCKET);
    assert.deepEqual(Buffer.from((await kv.get('a.test.default'))?.value ?? []), fa);
    // Both nodes report the same fingerprint to `mta fleet status`.
    assert.deepEqual(a.svc.core.known.get('a.test.default.privkey.pem'), b.svc.core.known.get('a.test.default.privkey.pem'));
  });

  test('conflicting keys on two nodes starting together resolve to one winner; the loser keeps its key as .bak', async () => {
    const [rc, rd] = [await newRoot(), await newRoot()];
    const [kc, kd] = [pem(), pem()];
    await writeFile(keyFile(rc, 'c.test'), kc, { mode: 0o640 });
    await writeFile(keyFile(rd, 'c.test'), kd, { mode: 0o640 });
    const [c, d] = await Promise.all([node('mx-c', rc, ['c.test']), node('mx-d', rd, ['c.test'])]);
    const kv = await openBucket(c.nc, DKIM_BUCKET);
    const winner = await eventually(async () => (await kv.get('c.test.default'))?.string(), 5000, 'bucket entry');
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
    const nc = await connect({ servers: url, ...user('mx1') });
    cleanups.push(() => nc.close());
    const kv = await openBucket(nc, DKIM_BUCKET);
    const fleetKey = (await kv.get('a.test.default'))?.string();
    assert.ok(fleetKey && fleetKey !== own);
    const beats: Record<string, unknown>[] = [];
    nc.subscribe('mta.fleet.heartbeat', { callback: (_e, m) => void beats.push(m.json()) });
    const proc = startSidecarProcess(re, {
      MAIL_DOMAIN: 'a.test',
      NATS_URL: url,
      MTA_NODE: 'mx-e',
      NATS_USER: 'mx2',
      NATS_PASSWORD: 'change-me-mx2',
    });
    cleanups.push(() => proc.stop());
    await eventually(
      async () => (await readFile(keyFile(re, 'a.test'), 'utf8')) === fleetKey,
      10_000,
      `late node adopted\n${proc.output()}`,
    );
    assert.equal(await readFile(`${keyFile(re, 'a.test')}.bak`, 'utf8'), own);
    const beat = await eventually(
      () => beats.find((b) => b.node === 'mx-e' && (b.dkim as Record<string, string>)?.['a.test.default']?.startsWith('SHA256:') && b),
      12_000,
      'heartbeat',
    );
    const a = JSON.parse(logs.find((l) => l.includes('"mx-a"') && l.includes('dkim.fleet.published')) ?? '{}');
    assert.equal((beat.dkim as Record<string, string>)['a.test.default'], a.fingerprint);
    assert.match(proc.output(), /"event":"dkim.fleet.conflict"/);
    assert.doesNotMatch(proc.output(), /PRIVATE KEY|AIBAAK/);
  });

  test('running nodes follow the bucket: a key published later by another node is adopted, a rotation too', async () => {
    const f = await node('mx-f', await newRoot(), ['f.test']);
    const g = await node('mx-g', await newRoot(), ['f.test']);
    // A key dropped on f for a new domain is published and reaches g.
    const dropped = pem();
    await writeFile(keyFile(f.root, 'new.test'), dropped, { mode: 0o600 });
    await eventually(
      async () => (await readFile(keyFile(g.root, 'new.test'), 'utf8').catch(() => '')) === dropped,
      5000,
      'g adopted new.test',
    );
    await eventually(async () => (await readFile(mtaPaths(g.root).amavisDkim, 'utf8')).includes("dkim_key('new.test'"), 3000, 'g snippet');
    // Rotation: an operator puts a new key into the bucket; every node takes it and reloads amavis.
    const hups = [await f.amavis.hups(), await g.amavis.hups()];
    const rotated = pem();
    const kv = await openBucket(f.nc, DKIM_BUCKET);
    await kv.put('f.test.default', rotated);
    for (const n of [f, g])
      await eventually(async () => (await readFile(keyFile(n.root, 'f.test'), 'utf8')) === rotated, 5000, `${n.name} rotated`);
    await eventually(
      async () => (await f.amavis.hups()) > (hups[0] ?? 0) && (await g.amavis.hups()) > (hups[1] ?? 0),
      3000,
      'amavis reloaded',
    );
  });

  test('key material never reaches logs or events', () => {
    const all = logs.join('\n') + JSON.stringify(events);
    assert.doesNotMatch(all, /PRIVATE KEY|AIBAAK/);
  });
});
