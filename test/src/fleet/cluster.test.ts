import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import { acmeV2, type Issued, issue, makeCa, type TestCa } from '../acme/certs.ts';
import { startAcmeSidecar } from '../acme/sidecar.ts';
import { smtpStartTlsCert } from '../acme/tls.ts';
import { type Daemon, eventually, freePort, type Postfix, scaffoldConfig, startPostfix, tempRoot } from '../harness/index.ts';
import { type NatsCluster, startNatsCluster } from '../harness/nats-cluster.ts';
import { message } from '../spamd/corpus.ts';
import { bayesCounts, drop, logLines, makeLib, startLearner } from '../spamd/learner.ts';

const HOST = 'mx.example.com';
const DAY = 86_400_000;

// Two nodes (acme-watch + spamd-learn processes each; B with a real postfix) on a 3-server JetStream cluster.
// Certificates and learning keep working after one of the three servers is killed.
describe('fleet on a 3-server NATS cluster: certificates and learning survive losing a server', { timeout: 60_000 }, () => {
  let cluster: NatsCluster;
  let ca: TestCa;
  let postfix: Postfix;
  let portB: number;
  const roots: { dir: string; cleanup: () => Promise<void> }[] = [];
  const procs: Record<string, Daemon> = {};
  let acmeFile: string;
  let libA: string;
  const root = (i: number) => roots[i]?.dir ?? '';

  const out = () =>
    Object.entries(procs)
      .map(([n, d]) => `--- ${n}\n${d.output().slice(-2500)}`)
      .join('\n');
  const servedByB = (serial: string) =>
    eventually(async () => (await smtpStartTlsCert(portB)).serial === serial, 15_000, `B serves ${serial}`).catch((e: Error) => {
      throw new Error(`${e.message}\n${out()}`);
    });
  const writeAcme = async (certs: Issued[]) => {
    await writeFile(`${acmeFile}.tmp`, acmeV2({ le: certs.map((cert) => ({ main: HOST, cert })) }));
    await rename(`${acmeFile}.tmp`, acmeFile);
  };
  const learned = (name: string) =>
    logLines(procs[name] as Daemon)
      .filter((l) => l.event === 'spamd.learned' && l.kind === 'spam')
      .reduce((n, l) => n + Number(l.count), 0);
  const nspam = async (i: number) => (await bayesCounts(mtaPaths(root(i)).bayes)).nspam;
  const dropSpam = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) await drop(libA, 'spam', `c${i}.eml`, message('spam', i, 'cluster'));
  };
  const settle = async (i: number, want: number) => {
    await eventually(async () => (await nspam(i)) >= want, 15_000, `node ${i} nspam ${want}`).catch((e: Error) => {
      throw new Error(`${e.message}\n${out()}`);
    });
    return nspam(i);
  };

  before(async () => {
    for (let i = 0; i < 3; i++) roots.push(await tempRoot('mta-fleet-cl-'));
    cluster = await startNatsCluster(root(0));
    ca = makeCa();
    // Node B (root 2): postfix with a self-signed cert until the fleet delivers.
    for (const i of [1, 2]) {
      const port = await freePort();
      const self = issue(makeCa('self'), { cn: HOST });
      writeFileSync(join(root(i), 'self.pem'), self.certPem);
      writeFileSync(join(root(i), 'self.key'), self.keyPem, { mode: 0o600 });
      const pf = scaffoldConfig(join(root(i), 'pf'), port, {
        smtpd_tls_security_level: 'may',
        smtpd_tls_cert_file: join(root(i), 'self.pem'),
        smtpd_tls_key_file: join(root(i), 'self.key'),
      });
      mkdirSync(join(root(i), 'etc'), { recursive: true });
      symlinkSync(pf, join(root(i), 'etc/postfix'));
      if (i === 2) {
        postfix = await startPostfix(pf, port);
        portB = port;
      }
    }
    mkdirSync(join(root(1), 'acme'));
    acmeFile = join(root(1), 'acme/acme.json');
    libA = await makeLib(root(1));
    const nats = { NATS_URL: cluster.urls.join(',') };
    procs.acmeA = startAcmeSidecar({
      ...nats,
      MTA_ROOT: root(1),
      MTA_NODE: 'mx-a',
      HOSTNAME: HOST,
      ACME_FILE: acmeFile,
      ACME_POSTHOOK: '',
    });
    procs.acmeB = startAcmeSidecar({ ...nats, MTA_ROOT: root(2), MTA_NODE: 'mx-b', HOSTNAME: HOST, ACME_SOURCE: 'fleet' });
    procs.learnA = startLearner(root(1), libA, { ...nats, MTA_NODE: 'mx-a', SPAMD_BATCH_MS: '200' });
    procs.learnB = startLearner(root(2), await makeLib(root(2)), { ...nats, MTA_NODE: 'mx-b', SPAMD_BATCH_MS: '200' });
    await eventually(
      () => ['learnA', 'learnB'].every((n) => procs[n]?.output().includes('"event":"spamd.fleet.following"')),
      20_000,
      `learners follow\n${out()}`,
    );
  });
  after(async () => {
    for (const d of Object.values(procs)) await d.stop();
    await postfix?.stop();
    await cluster?.stop();
    for (const r of roots) await r.cleanup();
  });

  let first: Issued;
  test('with all three servers: A acme.json is served by B, A spam is learned by B', async () => {
    first = issue(ca, { cn: HOST });
    await writeAcme([first]);
    await dropSpam(0, 20);
    await servedByB(first.serial);
    assert.equal(await settle(2, 20), 20);
    assert.equal(await settle(1, 20), 20);
  });

  test('after killing one server: a rotation and 20 more spam still reach B, each message learned once', async () => {
    await cluster.kill(0);
    const second = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 120 * DAY) });
    await writeAcme([first, second]);
    await dropSpam(20, 20);
    await servedByB(second.serial);
    assert.equal(await settle(2, 40), 40);
    assert.equal(await settle(1, 40), 40);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await nspam(2), 40);
    assert.equal(learned('learnA'), 40);
    assert.equal(learned('learnB'), 40);
  });
});
