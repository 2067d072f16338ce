import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import nodemailer from 'nodemailer';
import { acmeV2, type Issued, issue, makeCa, type TestCa } from '../acme/certs.ts';
import { startAcmeSidecar } from '../acme/sidecar.ts';
import { smtpStartTlsCert } from '../acme/tls.ts';
import { startTxtServer, type TxtServer } from '../dkim/dns.ts';
import { opensslPublicKey, startSidecarProcess, writeAmavisConf } from '../dkim/helpers.ts';
import { type Sink, startSink } from '../dkim/sink.ts';
import { verifyDkim, verifyDkimMailauth } from '../dkim/verify.ts';
import { type Daemon, eventually, freePort, type Postfix, scaffoldConfig, startDaemon, startPostfix, tempRoot } from '../harness/index.ts';
import { type NatsCluster, startNatsCluster } from '../harness/nats-cluster.ts';
import { message } from '../spamd/corpus.ts';
import { bayesCounts, drop, logLines, makeLib, startLearner } from '../spamd/learner.ts';

const HOST = 'mx.example.com';
const DAY = 86_400_000;
// The bounds issue 11 states, measured from the rename of acme.json / the first spam file written on A.
const CERT_BOUND_MS = 2000;
const LEARN_BOUND_MS = 5000;

// One MX node: real postfix (smtpd with STARTTLS, content_filter to amavis, reinjection service, relay to its own
// sink) and real amavis (DKIM signing with the snippet dkim-keys writes), plus the dkim-keys, acme-watch and
// spamd-learn sidecars as separate processes, all in its own temp root on its own loopback ports.
interface Node {
  name: string;
  root: string;
  port: number;
  amavisPort: number;
  lib: string;
  sink: Sink;
  postfix?: Postfix;
  procs: Record<'dkim' | 'acme' | 'learn' | 'amavis', Daemon | undefined>;
}

// Two full nodes (A, B) on a 3-server JetStream cluster. B adopts A's DKIM key and both sign with it; A's acme.json
// reaches B's postfix and A's spam reaches B's Bayes DB within the issue's bounds; all of it survives losing a server.
describe('fleet on a 3-server NATS cluster: two postfix+amavis nodes share DKIM, certificates and learning', { timeout: 90_000 }, () => {
  let cluster: NatsCluster;
  let ca: TestCa;
  let dns: TxtServer;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const roots: { dir: string; cleanup: () => Promise<void> }[] = [];
  const nodes: Node[] = [];
  let acmeFile: string;
  const [A, B] = [() => nodes[0] as Node, () => nodes[1] as Node];

  const out = () =>
    nodes.flatMap((n) => Object.entries(n.procs).map(([p, d]) => `--- ${n.name} ${p}\n${d?.output().slice(-2000) ?? ''}`)).join('\n');
  const withOutput = (e: Error): never => {
    throw new Error(`${e.message}\n${out()}`);
  };

  const writeAcme = async (certs: Issued[]) => {
    await writeFile(`${acmeFile}.tmp`, acmeV2({ le: certs.map((cert) => ({ main: HOST, cert })) }));
    await rename(`${acmeFile}.tmp`, acmeFile);
  };
  // Polls B's smtpd over STARTTLS (a real client's view) until it presents `serial`; ms from t0 to that answer.
  const servedAfter = async (n: Node, serial: string, t0: number, ms = 15_000) => {
    await eventually(async () => (await smtpStartTlsCert(n.port)).serial === serial, ms, `${n.name} serves ${serial}`).catch(withOutput);
    return Math.round(performance.now() - t0);
  };

  // Messages each node's sa-learn runs learned (from its log), and its Bayes counts read by sa-learn --dump.
  const learned = (n: Node) =>
    logLines(n.procs.learn as Daemon)
      .filter((l) => l.event === 'spamd.learned' && l.kind === 'spam')
      .reduce((s, l) => s + Number(l.count), 0);
  const nspam = async (n: Node) => (await bayesCounts(mtaPaths(n.root).bayes)).nspam;
  let dropped = 0;
  const dropSpam = async (count: number) => {
    for (let i = dropped; i < dropped + count; i++) await drop(A().lib, 'spam', `c${i}.eml`, message('spam', i, 'cluster'));
    dropped += count;
  };
  // Drops `count` spam on A; returns when B's DB holds them, with the time B's DB reached that count. The journal is
  // merged into bayes_toks last, so its mtime is when nspam changed; the dump that saw it is an upper bound.
  const learnOnB = async (count: number) => {
    const [base, learnedBase] = [await nspam(B()), learned(B())];
    const t0 = Date.now();
    await dropSpam(count);
    const droppedMs = Date.now() - t0;
    await eventually(() => learned(B()) >= learnedBase + count, 20_000, `B learned ${count}`).catch(withOutput);
    await eventually(async () => (await nspam(B())) >= base + count, 15_000, `B nspam +${count}`).catch(withOutput);
    const seenMs = Date.now() - t0;
    const dbMs = Math.round((await stat(`${mtaPaths(B().root).bayes}_toks`)).mtimeMs - t0);
    return { grown: (await nspam(B())) - base, droppedMs, dbMs, seenMs };
  };

  // What the operator publishes: node A's TXT file goes into (loopback) DNS.
  const publishTxtOfA = async () => {
    const txt = await readFile(join(mtaPaths(A().root).dkim, 'a.test.default._domainkey.txt'), 'utf8');
    dns.set(
      'default._domainkey.a.test',
      [...txt.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''),
    );
  };
  // Through the node's postfix: smtpd -> amavis (signs) -> reinjection smtpd -> the node's sink.
  const sendThrough = async (n: Node, subject: string): Promise<string> => {
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: n.port, secure: false, ignoreTLS: true, name: 'client.a.test' });
    await t.sendMail({ from: 'user@a.test', to: 'someone@remote.test', subject, text: `signed by ${n.name}\n` });
    t.close();
    return eventually(() => n.sink.messages.find((m) => m.includes(`Subject: ${subject}`)), 30_000, `${subject} at ${n.name}'s sink`).catch(
      (e: Error) => withOutput(new Error(`${e.message}\n${n.postfix?.output().slice(-3000)}`)),
    );
  };
  const dkimKey = (n: Node) => join(mtaPaths(n.root).dkim, 'a.test.default.privkey.pem');

  const prepare = async (name: string, root: string): Promise<Node> => {
    const [port, amavisPort, reinject] = await Promise.all([freePort(), freePort(), freePort()]);
    const sink = await startSink();
    // Self-signed until the fleet delivers the acme certificate.
    const self = issue(makeCa('self'), { cn: HOST });
    writeFileSync(join(root, 'self.pem'), self.certPem);
    writeFileSync(join(root, 'self.key'), self.keyPem, { mode: 0o600 });
    const pf = scaffoldConfig(join(root, 'pf'), port, {
      myhostname: HOST,
      mydestination: '',
      mynetworks: '127.0.0.0/8',
      smtpd_tls_security_level: 'may',
      smtpd_tls_cert_file: join(root, 'self.pem'),
      smtpd_tls_key_file: join(root, 'self.key'),
      content_filter: `smtp:[127.0.0.1]:${amavisPort}`,
      default_transport: `smtp:[127.0.0.1]:${sink.port}`,
      relay_transport: `smtp:[127.0.0.1]:${sink.port}`,
      smtp_dns_support_level: 'disabled',
      queue_run_delay: '2s',
      minimal_backoff_time: '2s',
      maximal_backoff_time: '4s',
    });
    // Where amavis hands signed mail back: no content filter there, or it would loop.
    execFileSync('postconf', ['-c', pf, '-M', `${reinject}/inet=${reinject} inet n - n - - smtpd -o content_filter=`]);
    mkdirSync(join(root, 'etc'), { recursive: true });
    symlinkSync(pf, join(root, 'etc/postfix'));
    await writeAmavisConf(root, { port: amavisPort, forwardPort: reinject, dnsPort: dns.port });
    const node: Node = {
      name,
      root,
      port,
      amavisPort,
      lib: await makeLib(root),
      sink,
      procs: { dkim: undefined, acme: undefined, learn: undefined, amavis: undefined },
    };
    nodes.push(node);
    return node;
  };
  const startAmavisAndPostfix = async (n: Node) => {
    n.procs.amavis = startDaemon('amavisd', ['-c', join(n.root, 'amavisd.conf'), 'foreground']);
    n.postfix = await startPostfix(join(n.root, 'pf/etc'), n.port);
  };

  before(async () => {
    tmp = await tempRoot('mta-fleet-cl-');
    for (let i = 0; i < 2; i++) roots.push(await tempRoot(`mta-fleet-cl-${'ab'[i]}-`));
    const [clusterUp, txt] = await Promise.all([startNatsCluster(tmp.dir), startTxtServer()]);
    cluster = clusterUp;
    dns = txt;
    ca = makeCa();
    const a = await prepare('mx-a', roots[0]?.dir ?? '');
    const b = await prepare('mx-b', roots[1]?.dir ?? '');
    mkdirSync(join(a.root, 'acme'));
    acmeFile = join(a.root, 'acme/acme.json');
    // A lists the server that dies first; B starts at another one.
    const natsUrl = (first: number) => [...cluster.urls.slice(first), ...cluster.urls.slice(0, first)].join(',');
    const fleet = (n: Node, first: number) => ({ NATS_URL: natsUrl(first), MTA_NODE: n.name });
    const dkimEnv = (n: Node, first: number) => ({ ...fleet(n, first), MAIL_DOMAIN: 'a.test', DKIM_KEYBITS: '1024' });
    a.procs.dkim = startSidecarProcess(a.root, dkimEnv(a, 0));
    a.procs.acme = startAcmeSidecar({ ...fleet(a, 0), MTA_ROOT: a.root, HOSTNAME: HOST, ACME_FILE: acmeFile, ACME_POSTHOOK: '' });
    b.procs.acme = startAcmeSidecar({ ...fleet(b, 1), MTA_ROOT: b.root, HOSTNAME: HOST, ACME_SOURCE: 'fleet' });
    for (const [n, first] of [
      [a, 0],
      [b, 1],
    ] as const)
      n.procs.learn = startLearner(n.root, n.lib, { ...fleet(n, first), SPAMD_BATCH_MS: '200' });
    // A generates and publishes first, so B (started only then) must adopt instead of generating.
    await eventually(() => a.procs.dkim?.output().includes('"event":"dkim.fleet.published"'), 30_000, 'A published its DKIM key').catch(
      withOutput,
    );
    b.procs.dkim = startSidecarProcess(b.root, dkimEnv(b, 1));
    await eventually(() => b.procs.dkim?.output().includes('"event":"dkim.ready"'), 30_000, 'B dkim ready').catch(withOutput);
    // amavis includes the snippet dkim-keys wrote; both nodes' daemons start together.
    await Promise.all([startAmavisAndPostfix(a), startAmavisAndPostfix(b)]);
    await eventually(
      () => nodes.every((n) => n.procs.learn?.output().includes('"event":"spamd.fleet.following"')),
      20_000,
      'learners follow',
    ).catch(withOutput);
  });
  after(async () => {
    for (const n of nodes) {
      for (const d of Object.values(n.procs)) await d?.stop();
      await n.postfix?.stop();
      await n.sink.close();
    }
    await cluster?.stop();
    await dns?.close();
    for (const r of [...roots, tmp]) await r?.cleanup();
  });

  test('A generated the key, B adopted it; mail through either node is signed with it and verifies against A TXT', async () => {
    assert.deepEqual(await readFile(dkimKey(B())), await readFile(dkimKey(A())));
    assert.equal(await opensslPublicKey(dkimKey(B())), await opensslPublicKey(dkimKey(A())));
    assert.match(A().procs.dkim?.output() ?? '', /"event":"mta\.dkim\.key\.created"/);
    assert.doesNotMatch(B().procs.dkim?.output() ?? '', /"event":"mta\.dkim\.key\.created"/);
    await publishTxtOfA();
    for (const n of nodes) {
      const msg = await sendThrough(n, `fleet via ${n.name}`);
      assert.match(msg, /^DKIM-Signature: .*d=a\.test/m, `${n.name} signed`);
      assert.deepEqual(await verifyDkim(msg, dns.port), ['a.test/default=pass'], `${n.name}: Mail::DKIM`);
      assert.deepEqual(await verifyDkimMailauth(msg, dns.port), ['a.test/default=pass'], `${n.name}: mailauth`);
      // The verifier really checks against A's record: a changed body fails.
      assert.deepEqual(await verifyDkim(msg.replace(`signed by ${n.name}`, 'signed by someone'), dns.port), ['a.test/default=fail']);
    }
  });

  let first: Issued;
  test('with all three servers: acme.json renamed on A is served by B within 2 s', async (t: TestContext) => {
    first = issue(ca, { cn: HOST });
    const t0 = performance.now();
    await writeAcme([first]);
    const ms = await servedAfter(B(), first.serial, t0);
    t.diagnostic(`B serves the new serial ${ms} ms after the rename (bound ${CERT_BOUND_MS} ms)`);
    await servedAfter(A(), first.serial, t0);
    assert.ok(ms <= CERT_BOUND_MS, `B served the new serial after ${ms} ms`);
  });

  test('with all three servers: 50 spam dropped on A grow B nspam by 50 within 5 s', async (t: TestContext) => {
    const r = await learnOnB(50);
    t.diagnostic(
      `B nspam +${r.grown}: DB written ${r.dbMs} ms, seen by sa-learn --dump ${r.seenMs} ms after the first drop (drops took ${r.droppedMs} ms; bound ${LEARN_BOUND_MS} ms)`,
    );
    assert.equal(r.grown, 50);
    assert.ok(r.dbMs <= LEARN_BOUND_MS, `B nspam grew by 50 after ${r.dbMs} ms`);
    await eventually(async () => (await nspam(A())) >= 50, 15_000, 'A nspam 50').catch(withOutput);
  });

  test('after killing one server: a rotation and 50 more spam reach B in bounds, each message learned once', async (t: TestContext) => {
    await cluster.kill(0);
    const second = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 120 * DAY) });
    const t0 = performance.now();
    await writeAcme([first, second]);
    const ms = await servedAfter(B(), second.serial, t0);
    t.diagnostic(`after the kill: B serves the rotated serial ${ms} ms after the rename`);
    const r = await learnOnB(50);
    t.diagnostic(`after the kill: B nspam +${r.grown}: DB written ${r.dbMs} ms, seen ${r.seenMs} ms after the first drop`);
    assert.equal(r.grown, 50);
    await eventually(async () => (await nspam(A())) >= 100, 15_000, 'A nspam 100').catch(withOutput);
    await new Promise((res) => setTimeout(res, 1000));
    assert.deepEqual([await nspam(A()), await nspam(B())], [100, 100]);
    assert.deepEqual(nodes.map(learned), [100, 100]);
    assert.ok(ms <= CERT_BOUND_MS, `B served the rotated serial after ${ms} ms`);
    assert.ok(r.dbMs <= LEARN_BOUND_MS, `B nspam grew by 50 after ${r.dbMs} ms`);
    for (const n of nodes) for (const d of [n.procs.dkim, n.procs.learn]) assert.doesNotMatch(d?.output() ?? '', /PRIVATE KEY|Subject:/);
  });
});
