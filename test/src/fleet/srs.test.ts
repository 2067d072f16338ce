import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '@mta/cli/program';
import { runDkimKeys } from '@mta/dkim-keys/service';
import { postsrsdArgs } from '@mta/seed/postfix/srs';
import { createLogger, type FleetBucket, FleetIdentity, mtaPaths, openBucket, openEntry, SRS_BUCKET, seal } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  eventually,
  type FleetNats,
  freePort,
  initializedFleetNats,
  type NodeKey,
  nodeKey,
  startDaemon,
  tempRoot,
  waitForPort,
} from '../harness/index.ts';

// Fleet SRS: two nodes (own temp roots, NATS users, signing keys and real postsrsd) share the secret through the
// bucket mta-srs on a real nats-server run from examples/fleet/nats-server.conf (TLS, NKEY users, least privilege).
describe('the SRS secret in fleet mode', () => {
  let nats: FleetNats;
  const keys: NodeKey[] = ['mx-a', 'mx-b'].map(nodeKey);
  const evil = nodeKey('mx-evil');
  const identity = (name: string, k = keys) => {
    const me = [...k, evil].find((x) => x.name === name) as NodeKey;
    return FleetIdentity.load(
      me.seed,
      name,
      k.filter((x) => x !== me).map((x) => ({ name: x.name, key: x.publicKey })),
    );
  };
  const cleanups: (() => Promise<void>)[] = [];
  const logs: string[] = [];
  const events: { node: string; subject: string; data: Record<string, unknown> }[] = [];

  interface Node {
    name: string;
    paths: ReturnType<typeof mtaPaths>;
    ports: { forward: number; reverse: number };
    // postsrsd's pid as runsv records it: a restart changes it.
    pid: () => Promise<string>;
    join: () => Promise<void>;
  }

  // A node as the seed leaves it with SRS=yes (its own random secret, root 0600, postsrsd running), not in the fleet yet.
  async function node(name: string, user: 'mx1' | 'mx2'): Promise<Node> {
    const t = await tempRoot(`mta-fleet-srs-${name}-`);
    cleanups.push(t.cleanup);
    const paths = mtaPaths(t.dir);
    await mkdir(paths.srsState, { recursive: true, mode: 0o700 });
    await writeFile(paths.srsSecret, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    await mkdir(paths.postfixConf, { recursive: true });
    const ports = { forward: await freePort(), reverse: await freePort(), reinject: await freePort() };
    await writeFile(paths.srsArgs, postsrsdArgs(paths.srsSecret, { domain: 'a.test', excluded: [] }, ports));
    // postsrsd under runsv, with the image's run script (image/service/postsrsd/run) on this root's argument file,
    // so the service restarts it with `sv restart` as in the image.
    const svc = join(paths.serviceDir, 'postsrsd');
    await mkdir(svc, { recursive: true });
    const run = readFileSync(new URL('../../../image/service/postsrsd/run', import.meta.url), 'utf8');
    await writeFile(join(svc, 'run'), run.replace('/etc/postfix/mta-postsrsd.args', paths.srsArgs), { mode: 0o755 });
    const runsv = startDaemon('runsv', [svc]);
    // runsv stops postsrsd when it gets SIGTERM itself.
    cleanups.push(() => runsv.stop());
    await waitForPort(ports.forward);
    await waitForPort(ports.reverse);
    const n: Node = {
      name,
      paths,
      ports,
      pid: async () => (await readFile(join(svc, 'supervise', 'pid'), 'utf8')).trim(),
      join: async () => {
        const nc: NatsConnection = await nats.login(user, { name });
        const publish = (subject: string, data: Record<string, unknown>) => void events.push({ node: name, subject, data });
        const svc = await runDkimKeys({
          paths,
          config: {
            MAIL_DOMAIN: ['a.test'],
            DKIM_SELECTOR: 'default',
            DKIM_KEYBITS: 1024,
            DKIM_PRIVATEKEY: undefined,
            FORCE_CONFIG: undefined,
            DOCKER_UNLOCK_FILE: 'srv/etc/.docker.unlock',
          },
          log: createLogger({ sidecar: 'dkim-keys', node: name, destination: { write: (s: string) => void logs.push(s) } }),
          publish,
          watch: true,
          // No amavis here: its reloads find nothing to signal.
          amavis: { pidFiles: [], comm: /^amavisd/, uid: 0 },
          fleet: { connection: async () => nc, retryMs: 200, identity: await identity(name), publish },
        });
        cleanups.push(async () => {
          await svc.close();
          await nc.close();
        });
      },
    };
    return n;
  }

  // One postfix tcp_table lookup (what postfix asks postsrsd): the reply line; retried while a restarted postsrsd is
  // not listening yet (postfix defers meanwhile).
  const lookup = (port: number, key: string) => eventually(() => lookupOnce(port, key).catch(() => undefined), 15_000, 'postsrsd answers');
  const lookupOnce = (port: number, key: string) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let out = '';
      s.setTimeout(5000, () => s.destroy(new Error('postsrsd did not answer')));
      s.on('data', (d) => {
        out += d;
        if (out.includes('\n')) {
          s.end();
          resolve(out.trim());
        }
      });
      s.on('error', reject);
      s.write(`get ${key}\n`);
    });
  const mint = async (n: Node, sender: string) => {
    const r = await lookup(n.ports.forward, sender);
    assert.match(r, /^200 SRS0=/, r);
    return r.slice(4);
  };
  const reverse = (n: Node, addr: string) => lookup(n.ports.reverse, addr);
  const srsRefusals = () => events.filter((e) => e.subject === 'mta.fleet.refused' && e.data.source === SRS_BUCKET);
  const lines = async (n: Node) => (await readFile(n.paths.srsSecret, 'utf8')).split('\n').filter(Boolean);
  const bucketSecret = async (nc: NatsConnection) => {
    const e = await (await openBucket(nc, SRS_BUCKET)).get('secret');
    const r = e ? openEntry(await identity('mx-a'), SRS_BUCKET, 'secret', e.value) : undefined;
    return r?.ok ? r.body.toString('utf8') : undefined;
  };

  // A job given the mta-srs bucket through a connection as `user`, closed after it.
  const withBucket = async (user: keyof FleetNats['users'], job: (kv: FleetBucket, nc: NatsConnection) => Promise<void>) => {
    const nc = await nats.login(user);
    try {
      await job(await openBucket(nc, SRS_BUCKET), nc);
    } finally {
      await nc.close();
    }
  };

  let a: Node;
  let b: Node;
  let fromA: string;
  let fromOldB: string;
  let secretA: string;
  let secretOldB: string;

  before(async () => {
    nats = await initializedFleetNats('mta-fleet-srs-nats-');
    cleanups.push(() => nats.stop());
    a = await node('mx-a', 'mx1');
    b = await node('mx-b', 'mx2');
    secretA = (await lines(a))[0] ?? '';
    secretOldB = (await lines(b))[0] ?? '';
    assert.ok(secretA && secretOldB);
    // Mail each node forwarded while still on its own secret.
    fromA = await mint(a, 'carol@ext.example');
    fromOldB = await mint(b, 'dave@ext.example');
    assert.notEqual(secretA, secretOldB);
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  test('the first node publishes its signing secret, signed; it keeps its file and postsrsd as they were', async () => {
    const pidA = await a.pid();
    await a.join();
    await withBucket('mx1', async (_kv, nc) => assert.equal(await bucketSecret(nc), secretA));
    assert.deepEqual(await lines(a), [secretA]);
    assert.equal(await a.pid(), pidA, 'postsrsd not restarted');
    assert.ok(logs.some((l) => l.includes('"srs.fleet.published"')));
    assert.ok(!logs.some((l) => l.includes(secretA) || l.includes(secretOldB)), 'no secret in a log line');
  });

  test("a joining node adopts it (root 0600, its old secret kept to verify), restarts postsrsd, and reverses A's addresses", async () => {
    const pidB = await b.pid();
    await b.join();
    assert.deepEqual(await lines(b), [secretA, secretOldB]);
    const st = await stat(b.paths.srsSecret);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(st.uid, 0);
    await eventually(async () => (await b.pid()) !== pidB, 15_000, 'postsrsd restarted by sv restart');
    // A bounce to what A forwarded reaches B: reversed.
    assert.equal(await reverse(b, fromA), '200 carol@ext.example');
    // What B forwarded before adopting still reverses on B (A never had that secret: it refuses the address).
    assert.equal(await reverse(b, fromOldB), '200 dave@ext.example');
    assert.notEqual(await reverse(a, fromOldB), '200 dave@ext.example');
    // Both nodes now sign alike: the same sender gives the same address on either.
    assert.equal(await mint(b, 'erin@ext.example'), await mint(a, 'erin@ext.example'));
    assert.ok(logs.some((l) => l.includes('"srs.fleet.adopted"')));
    assert.ok(!logs.some((l) => l.includes(secretA) || l.includes(secretOldB)), 'no secret in a log line');
    assert.ok(!events.some((e) => JSON.stringify(e.data).includes(secretA)), 'no secret in an event');
  });

  test('a forged entry (untrusted signer, or unsigned) is refused, and the signed secret goes back in', async () => {
    const pidB = await b.pid();
    await withBucket('mx2', async (kv, nc) => {
      const forged = randomBytes(32).toString('base64');
      const before = srsRefusals().length;
      // Signed by a key no node trusts.
      await kv.put('secret', seal(await identity('mx-evil', [evil]), SRS_BUCKET, 'secret', Buffer.from(forged)));
      await eventually(() => srsRefusals().length > before, 15_000, 'refusal event');
      await eventually(async () => (await bucketSecret(nc)) === secretA, 15_000, 'the signed secret back in the bucket');
      // Unsigned.
      await kv.put('secret', Buffer.from(forged));
      await eventually(async () => (await bucketSecret(nc)) === secretA, 15_000, 'the signed secret back in the bucket');
      assert.deepEqual(await lines(b), [secretA, secretOldB]);
      assert.deepEqual(await lines(a), [secretA]);
      assert.equal(await b.pid(), pidB, 'postsrsd not restarted for a forgery');
      assert.equal(await reverse(b, fromA), '200 carol@ext.example');
      assert.ok(!logs.some((l) => l.includes(forged)), 'the forged value is never logged');
    });
  });

  test('`mta fleet rotate srs`: every node signs with the new secret, the old ones still verify; the old entry replayed is refused', async () => {
    await withBucket('mx1', async (kv, nc) => {
      const recorded = (await kv.get('secret'))?.value;
      assert.ok(recorded);
      const adopted = await b.pid();
      // The operator on node a: the CLI over TLS with a's NATS login, signing with a's key.
      const out: string[] = [];
      const env = { HOSTNAME: 'mx.a.test', ...nats.nodeEnv('mx1'), MTA_NODE: 'mx1', MTA_FLEET_KEY: keys[0]?.seed ?? '' };
      const code = await runCli(['fleet', 'rotate', 'srs'], { env, out: (l) => out.push(l), err: (l) => out.push(l) });
      assert.equal(code, 0, out.join('\n'));
      assert.match(out.join('\n'), /rotated mta-srs secret/);
      const next = await eventually(async () => {
        const v = await bucketSecret(nc);
        return v && v !== secretA ? v : undefined;
      });
      assert.ok(!out.join('\n').includes(next), 'the CLI never prints the secret');
      await eventually(async () => (await lines(b))[0] === next, 15_000, 'B signs with the new secret');
      assert.deepEqual(await lines(b), [next, secretA, secretOldB]);
      await eventually(async () => (await lines(a))[0] === next, 15_000, 'A signs with the new secret');
      assert.deepEqual(await lines(a), [next, secretA]);
      await eventually(async () => (await b.pid()) !== adopted, 15_000, 'postsrsd restarted');
      // A restarts its own postsrsd on the new file too, in its own time (under load, after B's).
      await eventually(
        async () => (await mint(a, 'frank@ext.example')) === (await mint(b, 'frank@ext.example')),
        15_000,
        'A and B sign alike',
      );
      // What A forwarded with the secret before still reverses on both.
      assert.equal(await reverse(b, fromA), '200 carol@ext.example');
      assert.equal(await reverse(a, fromA), '200 carol@ext.example');
      // The entry of the old secret, recorded and put back: a replay.
      const restarted = await b.pid();
      const before = srsRefusals().length;
      await kv.put('secret', recorded);
      await eventually(
        () =>
          srsRefusals()
            .slice(before)
            .some((e) => String(e.data.reason).includes('older')),
        15_000,
        'replay refused',
      );
      await eventually(async () => (await bucketSecret(nc)) === next, 15_000, 'the newest signed secret back in the bucket');
      assert.equal((await lines(b))[0], next);
      assert.equal(await b.pid(), restarted, 'postsrsd not restarted for a replay');
      secretA = next;
    });
  });

  test('a trusted node that signs something that is no secret is refused on its merits', async () => {
    await withBucket('mx1', async (kv) => {
      const kept = await lines(b);
      await kv.put('secret', seal(await identity('mx-a'), SRS_BUCKET, 'secret', Buffer.from('two\nlines of secret text')));
      await eventually(
        () => events.some((x) => x.node === 'mx-b' && JSON.stringify(x.data).includes('not an SRS secret')),
        15_000,
        'refusal on its merits',
      );
      assert.deepEqual(await lines(b), kept);
    });
  });
});
