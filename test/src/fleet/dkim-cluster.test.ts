// mta-test: serial: kills a NATS server and waits for the cluster to recover; CPU contention stretches that.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AMAVIS_RELOAD_GAP_MS, DKIM_BUCKET, FleetIdentity, initFleet, mtaPaths, openBucket, seal } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import nodemailer from 'nodemailer';
import { startTxtServer, type TxtServer } from '../dkim/dns.ts';
import { startSidecarProcess, writeAmavisConf } from '../dkim/helpers.ts';
import { verifyDkim } from '../dkim/verify.ts';
import type { Daemon, FleetNats, NodeKey } from '../harness/index.ts';
import { eventually, fleetEnv, freePort, nodeKey, startDaemon, startFleetNats, tempRoot, waitForPort } from '../harness/index.ts';
import { type Sink, startSink } from '../harness/sink.ts';

// Two nodes (real dkim-keys sidecar processes) on a 3-server JetStream cluster; node B runs a real amavis that signs.
describe('fleet DKIM on a NATS cluster: one key, one DNS record, survives losing a server', () => {
  let cluster: FleetNats;
  let dns: TxtServer;
  let sink: Sink;
  let amavis: Daemon;
  let amavisPort: number;
  let nc: NatsConnection;
  const keys: NodeKey[] = ['mx1', 'mx2'].map(nodeKey);
  const roots: { dir: string; cleanup: () => Promise<void> }[] = [];
  const sidecars: Daemon[] = [];
  const keyFile = (root: string) => join(mtaPaths(root).dkim, 'a.test.default.privkey.pem');
  const [rootA, rootB] = [() => roots[1]?.dir ?? '', () => roots[2]?.dir ?? ''];

  // What the operator publishes: node A's TXT file goes into (loopback) DNS.
  const publishTxtOfA = async () => {
    const txt = await readFile(join(mtaPaths(rootA()).dkim, 'a.test.default._domainkey.txt'), 'utf8');
    dns.set(
      'default._domainkey.a.test',
      [...txt.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''),
    );
  };
  const sendThroughB = async (): Promise<string> => {
    const count = sink.mails.length;
    await waitForPort(amavisPort, '127.0.0.1', 30_000);
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: amavisPort, secure: false, ignoreTLS: true, name: 'client.a.test' });
    await t.sendMail({ from: 'user@a.test', to: 'someone@remote.test', subject: 'fleet', text: 'signed by b\n' });
    t.close();
    return eventually(() => sink.mails[count]?.raw, 15_000, 'message forwarded by amavis');
  };

  before(async () => {
    for (let i = 0; i < 3; i++) roots.push(await tempRoot('mta-fleet-cluster-'));
    // The TLS example config: each node logs in as its own NKEY user.
    cluster = await startFleetNats(roots[0]?.dir ?? '', 3);
    const admin = await cluster.login('admin');
    await initFleet(admin, 3);
    await admin.close();
    // A spare node login, as an operator's `mta fleet` command on a node would use.
    nc = await cluster.login('mx3');
    dns = await startTxtServer();
    sink = await startSink();
    const env = (node: string, first: number) => ({
      MAIL_DOMAIN: 'a.test',
      MTA_NODE: node,
      DKIM_KEYBITS: '1024',
      ...cluster.nodeEnv(node as 'mx1' | 'mx2', first),
      ...fleetEnv(keys.find((k) => k.name === node) as NodeKey, keys),
    });
    sidecars.push(startSidecarProcess(rootA(), env('mx1', 0)));
    await eventually(
      () => sidecars[0]?.output().includes('"event":"dkim.fleet.published"'),
      20_000,
      `a published\n${sidecars[0]?.output()}`,
    );
    sidecars.push(startSidecarProcess(rootB(), env('mx2', 1)));
    await eventually(() => sidecars[1]?.output().includes('"event":"dkim.ready"'), 20_000, `b ready\n${sidecars[1]?.output()}`);
    amavisPort = await freePort();
    const conf = await writeAmavisConf(rootB(), { port: amavisPort, forwardPort: sink.port, dnsPort: dns.port });
    amavis = startDaemon('amavisd', ['-c', conf, 'foreground']);
    // The sidecar signals the pid amavis writes under run/amavis.
    await waitForPort(amavisPort, '127.0.0.1', 30_000);
  });
  after(async () => {
    for (const s of sidecars) await s.stop();
    await amavis?.stop();
    await nc?.close();
    await cluster?.stop();
    await sink?.stop();
    await dns?.close();
    for (const r of roots) await r.cleanup();
  });

  test('B adopted A key (same fingerprint) and mail signed by B verifies against A TXT record', async () => {
    assert.deepEqual(await readFile(keyFile(rootB())), await readFile(keyFile(rootA())));
    assert.doesNotMatch(sidecars[1]?.output() ?? '', /"event":"mta.dkim.key.created"/);
    await publishTxtOfA();
    const msg = await sendThroughB();
    assert.match(msg, /^DKIM-Signature: .*d=a\.test/m);
    assert.deepEqual(await verifyDkim(msg, dns.port), ['a.test/default=pass']);
  });

  test('with one of three NATS servers gone, a retired key is replaced on both nodes by one new key and B signs with it', async () => {
    const reloads = () => sidecars[1]?.output().match(/"event":"amavis.reload"/g)?.length ?? 0;
    const before = reloads();
    const old = await readFile(keyFile(rootA()), 'utf8');
    await cluster.kill(0);
    const kv = await openBucket(nc, DKIM_BUCKET);
    // What `mta fleet retire dkim a.test` on A writes: a retirement signed with A's key.
    const a = await FleetIdentity.load(keys[0]?.seed ?? '', 'mx1');
    // Failover time is measured by `npm run bench fleet-failover`, not bounded here.
    await eventually(() => kv.put('a.test.default', seal(a, DKIM_BUCKET, 'a.test.default')).then(() => true), 30_000, 'put after failover');
    const rotated = await eventually(
      async () => {
        const [ka, kb] = [
          await readFile(keyFile(rootA()), 'utf8').catch(() => ''),
          await readFile(keyFile(rootB()), 'utf8').catch(() => ''),
        ];
        return ka && ka === kb && ka !== old ? ka : undefined;
      },
      30_000,
      `one new key on both nodes\n${sidecars.map((s) => s.output()).join('\n')}`,
    );
    assert.notEqual(rotated, old);
    // At most the reload gap: amavis is reloaded no sooner than that after it started or was last reloaded.
    await eventually(() => reloads() > before, AMAVIS_RELOAD_GAP_MS + 5000, 'b reloaded amavis');
    await publishTxtOfA();
    // amavis re-executes itself on SIGHUP and may sign with the old key until it has; every try is a new message.
    await eventually(
      async () => {
        const msg = await sendThroughB();
        return (await verifyDkim(msg, dns.port)).join() === 'a.test/default=pass';
      },
      // amavis loads SpamAssassin's rules again on re-exec: tens of seconds on a loaded 2-core machine.
      60_000,
      'B signs with the rotated key',
    );
    for (const s of sidecars) assert.doesNotMatch(s.output(), /PRIVATE KEY|AIBAAK/);
  });
});
