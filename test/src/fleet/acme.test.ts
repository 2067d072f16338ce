import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, type Issued, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { CERTS_BUCKET, openBucket } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { collectEvents, type Event, startAcmeSidecar } from '../acme/sidecar.ts';
import { type AcmeRoot, acmeRoot, HOST } from '../acme/stage.ts';
import { smtpStartTlsCert } from '../acme/tls.ts';
import { type Daemon, eventually, type NatsServer, type Postfix, startNats, startPostfix, tempRoot } from '../harness/index.ts';

const DAY = 86_400_000;

// Node A reads Traefik's acme.json; node B (ACME_SOURCE=fleet, real postfix) must serve the same certificate.
describe('fleet certificates: acme.json on one node, served by another', { timeout: 60_000 }, () => {
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
    sidecars[node] = startAcmeSidecar({ MTA_ROOT: root, HOSTNAME: HOST, NATS_URL: nats.url, MTA_NODE: node, ...env });
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

  it('a rotation on A reaches B within 2 s', async () => {
    second = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 120 * DAY) });
    const t0 = performance.now();
    await writeAcme([first, second]);
    await servedByB(second.serial);
    const ms = Math.round(performance.now() - t0);
    assert.ok(ms <= 2000, `B served the new serial after ${ms} ms`);
  });

  it('an invalid certificate in the bucket is rejected by B, which keeps serving the good one', async () => {
    const n = bus.events.length;
    const expired = issue(ca, { cn: HOST, notBefore: new Date(Date.now() - 100 * DAY), notAfter: new Date(Date.now() - DAY) });
    const kv = await openBucket(bus.nc, CERTS_BUCKET);
    // Another main name, so the valid entry stays in the bucket next to it.
    await kv.put(
      'mail.example.com',
      JSON.stringify({
        main: HOST,
        sans: [HOST],
        chainPem: expired.chainPem,
        keyPem: expired.keyPem,
        serial: expired.serial,
        notAfter: '',
      }),
    );
    await kv.put('broken', 'not json');
    await eventually(() => sidecars['mx-b']?.output().includes('"event":"acme.fleet.invalid"'), 5000, 'malformed entry reported');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await smtpStartTlsCert(portB)).serial, second.serial);
    assert.equal(bus.since(n).filter((e) => e.subject === 'mta.acme.cert.installed').length, 0);
  });

  it('a node started later installs the fleet certificate and reports its serial in heartbeats', async () => {
    const beats: Record<string, unknown>[] = [];
    bus.nc.subscribe('mta.fleet.heartbeat', { callback: (_e, m) => void beats.push(m.json()) });
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

  it('key material stays in the bucket: no event or log line carries it', () => {
    for (const e of bus.events) assert.doesNotMatch(e.raw, /PRIVATE KEY|BEGIN/, e.subject);
    for (const o of outputs()) assert.doesNotMatch(o, /PRIVATE KEY|BEGIN CERT/);
  });
});
