import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { acmeV2, type Issued, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { runCli } from '@mta/cli/program';
import { CERTS_BUCKET, DAY_MS, FleetIdentity, kvKey, seal } from '@mta/shared';
import { startAcmeSidecar } from '../acme/sidecar.ts';
import { type AcmeRoot, acmeRoot, HOST } from '../acme/stage.ts';
import { eventually, fileScope, type NodeKey } from '../harness/index.ts';
import { type Attacker, attacker, FLOOD, NodeProcess, type ReplayFleet, refusedBy, replayFleet, type Seen, stopAll } from './replay.ts';

// A rotated and a retired certificate, replayed: recordings of mta-certs entries are put back after acme.json moved
// on (and after `mta fleet retire cert`), while the nodes run, while they are down (then restarted on the same /srv),
// and before nodes with an empty /srv join. n1 reads acme.json; the others install from the fleet.
const scope = fileScope();
const KEY = kvKey(HOST);
let fleet: ReplayFleet;
let rogue: Attacker;
let ca: TestCa;
let rootA: AcmeRoot;
const certs: Issued[] = [];
// Entries recorded by the attacker: the first certificate's, and the second's (retired later).
const recorded: Uint8Array[] = [];
const nodes: Record<string, NodeProcess> = {};

// An acme-watch node (the real sidecar process) on its own /srv; the same root on every restart.
const node = async (name: string, user: 'mx1' | 'mx2', extra: Record<string, string> = {}) => {
  const root = await acmeRoot(`mta-replay-acme-${name}-`);
  scope.defer(root.cleanup);
  if (name === 'n1') rootA = root;
  const env = {
    MTA_ROOT: root.dir,
    HOSTNAME: HOST,
    ACME_FILE: root.acmeFile,
    ACME_POSTHOOK: '',
    MTA_FLEET_CA: ca.certPem,
    ...fleet.env(name, user),
    ...extra,
  };
  const n = new NodeProcess(name, root.dir, () => startAcmeSidecar(env));
  nodes[name] = n;
  scope.defer(() => n.stop());
  await n.start('fleet.following');
  return n;
};
const fromFleet = { ACME_SOURCE: 'fleet' };
const restart = (n: NodeProcess) => n.start('fleet.following');
const serialOf = (n: NodeProcess) => {
  const f = join(n.root, 'srv/etc/ssl/acme/cert.pem');
  return existsSync(f) ? new X509Certificate(readFileSync(f, 'utf8')).serialNumber.toUpperCase() : undefined;
};
const installs = (n: NodeProcess, c: Issued | undefined) => n.logged('acme.cert.installed', { serial: c?.serial }).length;
// Installed: the files are in place and the install finished (it was logged).
const serves = (n: NodeProcess, c: Issued | undefined) =>
  eventually(() => serialOf(n) === c?.serial && installs(n, c) > 0, 15_000, `${n.name} serves ${c?.serial}`);
// The bucket holds certificate c (by the serial of the record's leaf).
const holds = (c: Issued | undefined) => (s: Seen) => {
  if (s.op !== 'put') return false;
  const chain = String((JSON.parse(s.body.toString('utf8')) as { chainPem?: string }).chainPem);
  return new X509Certificate(chain).serialNumber.toUpperCase() === c?.serial;
};
const renew = async (days: number) => {
  const c = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + days * DAY_MS) });
  certs.push(c);
  await rootA.replace(acmeV2({ le: [{ main: HOST, cert: c }] }));
  return c;
};

before(async () => {
  ca = makeCa();
  fleet = await replayFleet(scope);
  rogue = await attacker(fleet.nats, CERTS_BUCKET, scope);
  await node('n1', 'mx1');
  await node('n2', 'mx2', fromFleet);
});

describe('fleet replay: a rotated or retired certificate never comes back', { timeout: 240_000 }, () => {
  test('setup: n1 publishes a certificate and its renewal, n2 installs both; the attacker records each', async () => {
    const { n2 } = nodes as Record<'n2', NodeProcess>;
    for (const days of [90, 120]) {
      const c = await renew(days);
      await serves(n2, c);
      await rogue.healed(KEY, recorded.at(-1) ?? new Uint8Array(), holds(c));
      recorded.push(await rogue.record(KEY));
    }
  });

  test('re-put of the first while both run: refused by both, the renewal goes back in', async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    await refusedBy([n1, n2], KEY, /older than the entry applied here/, async () => {
      await rogue.reput(KEY, recorded[0] as Uint8Array, 1);
      await rogue.healed(KEY, recorded[0] as Uint8Array, holds(certs[1]));
    });
    assert.equal(serialOf(n2), certs[1]?.serial);
  });

  test(`re-put ${FLOOD} times while every node is down, then restart on the same /srv: nothing comes back`, async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    await stopAll([n1, n2]);
    await rogue.reput(KEY, recorded[0] as Uint8Array, FLOOD);
    const restored = n2.logged('fleet.restored', { entry: KEY }).length;
    await restart(n2);
    await n2.next('fleet.restored', { entry: KEY }, restored);
    await rogue.healed(KEY, recorded[0] as Uint8Array, holds(certs[1]));
    await restart(n1);
    assert.equal(serialOf(n2), certs[1]?.serial);
    assert.equal(installs(n2, certs[0]), 1, 'the first certificate was installed once, in its time');
  });

  test('`mta fleet retire cert`, then a renewal: the retired one replayed (or signed again) is never installed', async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    const out: string[] = [];
    const env = { HOSTNAME: HOST, ...fleet.nats.nodeEnv('mx1'), MTA_NODE: 'mx1', MTA_FLEET_KEY: (fleet.keys[0] as NodeKey).seed };
    assert.equal(
      await runCli(['fleet', 'retire', 'cert', HOST], { env, out: (l) => out.push(l), err: (l) => out.push(l) }),
      0,
      out.join('\n'),
    );
    assert.ok(out.includes(`serial ${certs[1]?.serial}`), out.join('\n'));
    const third = await renew(130);
    await serves(n2, third);
    await stopAll([n1, n2]);
    await rogue.reput(KEY, recorded[1] as Uint8Array, FLOOD);
    await restart(n2);
    await rogue.healed(KEY, recorded[1] as Uint8Array, holds(third));
    await restart(n1);
    // A trusted node signs the retired certificate again, now: refused for its serial; n1 writes its own over it.
    const trusted = await FleetIdentity.load((fleet.keys[4] as NodeKey).seed, 'n5');
    const body = Buffer.from(JSON.parse(Buffer.from(recorded[1] as Uint8Array).toString('utf8')).body, 'base64');
    const fresh = seal(trusted, CERTS_BUCKET, KEY, body);
    await refusedBy([n1, n2], KEY, new RegExp(`certificate ${certs[1]?.serial} was retired`), () => rogue.kv.put(KEY, fresh));
    await rogue.healed(KEY, fresh, holds(third));
    assert.equal(serialOf(n2), third.serial, `n2 serves the renewal\n${n2.output().slice(-5000)}`);
    assert.equal(
      installs(n2, certs[1]),
      1,
      `the retired one was installed once, in its time: ${JSON.stringify(n2.logged('acme.cert.installed').map((l) => [l.time, l.serial]))} ${certs.map((c) => c.serial)}`,
    );
  });

  test(`an empty /srv joins after ${FLOOD} re-puts while honest nodes run: it installs the current certificate`, async () => {
    await rogue.reput(KEY, recorded[0] as Uint8Array, FLOOD);
    await rogue.healed(KEY, recorded[0] as Uint8Array, holds(certs[2]));
    const n3 = await node('n3', 'mx1', fromFleet);
    await serves(n3, certs[2]);
    assert.equal(installs(n3, certs[0]), 0);
  });

  test(`an empty /srv joins after ${FLOOD} re-puts with no honest node running: it installs the old one, until an honest node returns`, async () => {
    const { n1, n2, n3 } = nodes as Record<'n1' | 'n2' | 'n3', NodeProcess>;
    await stopAll([n1, n2, n3]);
    await rogue.reput(KEY, recorded[0] as Uint8Array, FLOOD);
    // The residual risk docs/fleet.md names: the bucket's whole history is the recording (still a valid certificate).
    const n4 = await node('n4', 'mx2', fromFleet);
    await serves(n4, certs[0]);
    await restart(n2);
    await rogue.healed(KEY, recorded[0] as Uint8Array, holds(certs[2]));
    await serves(n4, certs[2]);
  });

  test('an empty /srv joins after fewer re-puts than the bucket keeps, no honest node running: the history wins', async () => {
    const { n2, n4 } = nodes as Record<'n2' | 'n4', NodeProcess>;
    await stopAll([n2, n4]);
    await rogue.reput(KEY, recorded[0] as Uint8Array, 2);
    const n5 = await node('n5', 'mx1', fromFleet);
    await serves(n5, certs[2]);
    assert.equal(installs(n5, certs[0]), 0);
  });
});
