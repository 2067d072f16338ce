import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, type Issued, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { runCli } from '@mta/cli/program';
import { CERTS_BUCKET, DAY_MS, FleetIdentity, openBucket, seal } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { collectEvents, type Event, startAcmeSidecar } from '../acme/sidecar.ts';
import { type AcmeRoot, acmeRoot, HOST } from '../acme/stage.ts';
import { smtpStartTlsCert } from '../acme/tls.ts';
import {
  type Daemon,
  eventually,
  fleetEnv,
  fleetKeys,
  heartbeatOf,
  type NatsServer,
  type NodeKey,
  nodeKey,
  type Postfix,
  startNats,
  startPostfix,
  tempRoot,
} from '../harness/index.ts';

// Node A reads Traefik's acme.json; node B (ACME_SOURCE=fleet, real postfix) must serve the same certificate. The
// certificates come from a private CA that the nodes trust through MTA_FLEET_CA.
describe('fleet certificates: acme.json on one node, served by another', { timeout: 60_000 }, () => {
  const { keys, keyOf } = fleetKeys(['mx-a', 'mx-b', 'mx-c']);
  const identity = (k: NodeKey) => FleetIdentity.load(k.seed, k.name);
  let nats: NatsServer;
  let ca: TestCa;
  let bus: { events: Event[]; nc: NatsConnection; since: (n: number) => Event[] };
  let postfixB: Postfix;
  let portB: number;
  const roots: { dir: string; cleanup: () => Promise<void> }[] = [];
  const sidecars: Record<string, Daemon> = {};

  const newRoot = async (withPostfix: boolean) => {
    const r = await acmeRoot('mta-fleet-acme-');
    roots.push(r);
    if (withPostfix) {
      postfixB = await startPostfix(r.pfEtc, r.port);
      portB = r.port;
    }
    return r;
  };
  const start = (node: string, root: string, env: Record<string, string>) => {
    sidecars[node] = startAcmeSidecar({
      MTA_ROOT: root,
      HOSTNAME: HOST,
      NATS_URL: nats.url,
      MTA_NODE: node,
      ...fleetEnv(keyOf(node), keys),
      MTA_FLEET_CA: ca.certPem,
      ...env,
    });
  };
  const outputs = () => Object.entries(sidecars).map(([n, d]) => `--- ${n}\n${d.output().slice(-3000)}`);
  const servedByB = (serial: string, ms = 10_000) =>
    eventually(async () => (await smtpStartTlsCert(portB)).serial === serial, ms, `B serves ${serial}`).catch((e: Error) => {
      throw new Error(`${e.message}\n${outputs().join('\n')}\n--- maillog\n${postfixB.output().slice(-2000)}`);
    });
  const writeAcme = (certs: Issued[]) => rootA.replace(acmeV2({ letsencrypt: certs.map((cert) => ({ main: HOST, cert })) }));
  const installedSerial = (root: string) =>
    new X509Certificate(readFileSync(join(root, 'srv/etc/ssl/acme/cert.pem'), 'utf8')).serialNumber.toUpperCase();

  let rootA: AcmeRoot;
  let rootB: AcmeRoot;
  before(async () => {
    const t = await tempRoot('mta-fleet-acme-nats-');
    roots.push(t);
    nats = await startNats({ jetstream: true, dir: t.dir });
    bus = await collectEvents(nats.url);
    ca = makeCa();
    rootA = await newRoot(false);
    rootB = await newRoot(true);
    start('mx-a', rootA.dir, { ACME_FILE: rootA.acmeFile, ACME_POSTHOOK: '' });
    start('mx-b', rootB.dir, { ACME_SOURCE: 'fleet', ACME_FILE: rootB.acmeFile });
    await eventually(() => sidecars['mx-b']?.output().includes('"event":"fleet.following"'), 15_000, `b follows\n${outputs().join('\n')}`);
  });
  after(async () => {
    for (const d of Object.values(sidecars)) await d.stop();
    await postfixB?.stop();
    await bus?.nc.close();
    await nats?.stop();
    for (const r of roots) await r.cleanup();
  });

  let first: Issued;
  let second: Issued;
  it('a certificate installed from acme.json on A is served by B (same validation, install and hook)', async () => {
    first = issue(ca, { cn: HOST });
    await writeAcme([first]);
    await servedByB(first.serial);
    const installed = await eventually(
      () => bus.events.find((e) => e.subject === 'mta.acme.cert.installed' && e.data.node === 'mx-b'),
      5000,
      'installed on b',
    );
    assert.equal(installed.data.serial, first.serial);
    assert.equal(installed.data.file, `nats:${CERTS_BUCKET}`);
    const hook = await eventually(() => bus.events.find((e) => e.subject === 'mta.hook.ran' && e.data.node === 'mx-b'), 5000, 'hook on b');
    assert.deepEqual([hook.data.command, hook.data.exitCode], ['postfix reload', 0]);
    assert.equal(installedSerial(rootA.dir), first.serial);
    assert.equal(installedSerial(rootB.dir), first.serial);
  });

  it('a rotation on A reaches B', async (t) => {
    second = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 120 * DAY_MS) });
    const t0 = performance.now();
    await writeAcme([first, second]);
    await servedByB(second.serial);
    t.diagnostic(`B served the new serial after ${Math.round(performance.now() - t0)} ms`);
  });

  it('forged, untrusted, expired, foreign-CA and foreign-name certificates are refused by B with an event', async () => {
    const n = bus.events.length;
    const kv = await openBucket(bus.nc, CERTS_BUCKET);
    const record = (c: Issued, main = HOST) =>
      new TextEncoder().encode(
        JSON.stringify({
          main,
          sans: [main],
          chainPem: c.chainPem,
          keyPem: c.keyPem,
          serial: c.serial,
          notAfter: '2099-01-01T00:00:00.000Z',
        }),
      );
    const mxc = await identity(keyOf('mx-c'));
    const rogue = await identity(nodeKey('rogue'));
    const later = new Date(Date.now() + 300 * DAY_MS);
    // Other main names, so the valid entry stays in the bucket next to them.
    const attempts: [string, () => Uint8Array, RegExp][] = [
      ['a.example.com', () => record(issue(ca, { cn: HOST, notAfter: later })), /not a signed fleet entry/],
      [
        'b.example.com',
        () => seal(rogue, CERTS_BUCKET, 'b.example.com', record(issue(ca, { cn: HOST, notAfter: later }))),
        /not in MTA_FLEET_TRUST/,
      ],
      [
        'c.example.com',
        () => seal(mxc, CERTS_BUCKET, 'c.example.com', record(issue(makeCa('rogue CA'), { cn: HOST, notAfter: later }))),
        /not trusted/,
      ],
      [
        'd.example.com',
        () =>
          seal(
            mxc,
            CERTS_BUCKET,
            'd.example.com',
            record(issue(ca, { cn: HOST, notBefore: new Date(Date.now() - 100 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) })),
          ),
        /CERT_HAS_EXPIRED/,
      ],
      [
        'e.example.com',
        () => seal(mxc, CERTS_BUCKET, 'e.example.com', record(issue(ca, { cn: 'evil.example.net', notAfter: later }))),
        /covers none of the names/,
      ],
      ['f.example.com', () => seal(mxc, CERTS_BUCKET, 'f.example.com', new TextEncoder().encode('not json')), /not a certificate record/],
    ];
    for (const [key, value, why] of attempts) {
      await kv.put(key, value());
      const refused = await eventually(
        () => bus.events.find((e) => e.subject === 'mta.fleet.refused' && e.data.node === 'mx-b' && e.data.entry === key),
        5000,
        `B refused ${key}`,
      );
      assert.match(String(refused.data.reason), why);
    }
    assert.equal((await smtpStartTlsCert(portB)).serial, second.serial);
    assert.equal(bus.since(n).filter((e) => e.subject === 'mta.acme.cert.installed').length, 0);
  });

  it('a later certificate on A replaces an entry that only claims a later expiry', async () => {
    const kv = await openBucket(bus.nc, CERTS_BUCKET);
    const mxc = await identity(keyOf('mx-c'));
    // A trusted node's entry whose record says 2099; its certificate itself ends sooner than A's next one.
    const short = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 125 * DAY_MS) });
    const claim = {
      main: HOST,
      sans: [HOST],
      chainPem: short.chainPem,
      keyPem: short.keyPem,
      serial: short.serial,
      notAfter: '2099-01-01T00:00:00.000Z',
    };
    await kv.put(HOST, seal(mxc, CERTS_BUCKET, HOST, new TextEncoder().encode(JSON.stringify(claim))));
    await servedByB(short.serial);
    const third = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 130 * DAY_MS) });
    await writeAcme([first, second, third]);
    await servedByB(third.serial);
    second = third;
  });

  it('a node started later installs the fleet certificate and reports its serial in heartbeats', async () => {
    const beats: Record<string, unknown>[] = [];
    bus.nc.subscribe('mta.fleet.heartbeat', { callback: (_e, m) => void beats.push(heartbeatOf(m.json())) });
    const rootC = await newRoot(false);
    start('mx-c', rootC.dir, { ACME_SOURCE: 'fleet', ACME_POSTHOOK: '' });
    await eventually(
      () => {
        try {
          return installedSerial(rootC.dir) === second.serial;
        } catch {
          return false;
        }
      },
      10_000,
      `c installed\n${outputs().join('\n')}`,
    );
    const beat = await eventually(() => beats.find((b) => b.node === 'mx-a' && b.certSerial === second.serial), 12_000, 'heartbeat of a');
    assert.equal(beat.sidecar, 'acme-watch');
    assert.match(String(beat.certNotAfter), /^\d{4}-/);
  });

  it('`mta fleet retire cert` on A: B drops the serial, and the next certificate from A is served', async () => {
    const out: string[] = [];
    const env = { HOSTNAME: HOST, NATS_URL: nats.url, MTA_NODE: 'mx-a', ...fleetEnv(keyOf('mx-a'), keys) };
    const code = await runCli(['fleet', 'retire', 'cert', HOST], { env, out: (l) => out.push(l), err: (l) => out.push(l) });
    assert.equal(code, 0, out.join('\n'));
    assert.ok(out.includes(`serial ${second.serial}`), out.join('\n'));
    await eventually(
      () => sidecars['mx-b']?.output().includes(`"event":"acme.fleet.retired","entry":"${HOST}","serial":"${second.serial}"`),
      5000,
      `B saw the retirement\n${outputs().join('\n')}`,
    );
    const next = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 140 * DAY_MS) });
    await writeAcme([next]);
    await servedByB(next.serial);
    second = next;
  });

  it('key material stays in the bucket: no event or log line carries it', () => {
    for (const e of bus.events) assert.doesNotMatch(e.raw, /PRIVATE KEY|BEGIN/, e.subject);
    for (const o of outputs()) assert.doesNotMatch(o, /PRIVATE KEY|BEGIN CERT/);
  });
});
