import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acmeV2, issue, makeCa } from '@mta/acme-watch/testing';
import { FleetIdentity, mtaPaths, signHeartbeat } from '@mta/shared';
import { startAcmeSidecar } from '../acme/sidecar.ts';
import { type FilterChain, startFilterChain } from '../filter/chain.ts';
import { attachmentMail, EICAR, plainMail } from '../filter/messages.ts';
import { type Daemon, eventually, freePort, type NatsServer, nodeKey, startDaemon, startNats, tempRoot } from '../harness/index.ts';
import { message } from '../spamd/corpus.ts';
import { drop, makeLib, startLearner } from '../spamd/learner.ts';

const MAIN = fileURLToPath(new URL('../../../sidecars/metrics/src/main.ts', import.meta.url));

let chain: FilterChain;
let nats: NatsServer;
let port: number;
const others: Daemon[] = [];
const cleanups: (() => Promise<void>)[] = [];

// One scrape: the text format, each sample as "name{labels}" -> value.
async function scrape(accept?: string): Promise<{ text: string; v: (series: string) => number | undefined }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: accept ? { accept } : {} });
  assert.equal(res.status, 200);
  const text = await res.text();
  const values = new Map<string, number>();
  for (const l of text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(l);
    if (m) values.set(m[1] as string, Number(m[2]));
  }
  return { text, v: (s) => values.get(s) };
}
const value = async (series: string) => (await scrape()).v(series) ?? 0;

// What runit's log service does in the image: the sidecar's lines also land in <logDir>/<sidecar>/current.
function keepLog(d: Daemon, sidecar: string): void {
  const dir = join(chain.root, 'run/mta/log', sidecar);
  mkdirSync(dir, { recursive: true });
  d.proc.stdout?.on('data', (chunk: Buffer) => appendFileSync(join(dir, 'current'), chunk));
}

// This node (mx1) and the others: mx2 and mx3 are trusted (MTA_FLEET_TRUST), rogue is not.
const MX1 = nodeKey('mx1');
const MX2 = nodeKey('mx2');
const MX3 = nodeKey('mx3');
const ROGUE = nodeKey('rogue');

// A metrics sidecar on this test's root; `env` adds to (or overrides) the common variables.
async function startMetrics(listen: number, env: Record<string, string>): Promise<Daemon> {
  const d = startDaemon(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    env: {
      PATH: process.env.PATH,
      MTA_ROOT: chain.root,
      HOSTNAME: 'mx.example.com',
      MTA_NODE: 'mx1',
      METRICS: 'yes',
      METRICS_LISTEN: `127.0.0.1:${listen}`,
      SYSLOG_LEVEL: '7',
      ...env,
    },
    cwd: join(MAIN, '../../../..'),
  });
  cleanups.push(() => d.stop());
  await eventually(() => d.output().includes('"metrics.ready"'), 20_000, 'metrics ready').catch((e) => assert.fail(`${e}\n${d.output()}`));
  return d;
}

before(async () => {
  // Only 127.0.0.1 may relay: a client on 127.0.0.2 is refused for other domains.
  chain = await startFilterChain({ env: { FINAL_VIRUS_DESTINY: 'D_DISCARD', MYNETWORKS: '127.0.0.1/32' }, mtaLayout: true });
  cleanups.push(() => chain.stop());
  nats = await startNats({ jetstream: true, dir: chain.root });
  cleanups.push(() => nats.stop());
  mkdirSync(join(chain.root, 'usr/share/mta'), { recursive: true });
  writeFileSync(join(chain.root, 'usr/share/mta/variant'), 'full\n');
  port = await freePort();
  await startMetrics(port, {
    NATS_URL: nats.url,
    // A fleet bus and the keys to trust: the sidecar listens for the other nodes' signed heartbeats. It needs no
    // signing key of its own; the list may name this node too (one list for every node), it never counts itself.
    MTA_FLEET_TRUST: `mx1=${MX1.publicKey} mx2=${MX2.publicKey} mx3=${MX3.publicKey}`,
    // The cache off (what a benchmark of the scrape sets): every scrape below reads the queue again.
    METRICS_SCRAPE_CACHE: '0',
  });
});

after(async () => {
  for (const d of others) await d.stop();
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('metrics sidecar: each family moves with its event', { timeout: 240_000 }, () => {
  test('health endpoints; promtool check metrics passes on the text format and OpenMetrics', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    // /readyz runs the image's healthcheck, which this host does not have: not ready, and it says why.
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal((await fetch(`http://127.0.0.1:${port}/nothing`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST', body: 'x' })).status, 405);
    const { text } = await scrape();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}\n${text}`);
    const om = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    assert.match(om.headers.get('content-type') ?? '', /^application\/openmetrics-text/);
    assert.match(await om.text(), /# EOF\n$/);
    assert.match(text, /^mta_build_info\{version="\d+\.\d+\.\d+",variant="full"\} 1$/m);
  });

  test('a delivered message: received and sent; a relay attempt: a reject by reason and code class', async () => {
    const [received, sent, relay] = await Promise.all([
      value('mta_postfix_messages_received_total{service="smtpd"}'),
      value('mta_postfix_deliveries_total{status="sent"}'),
      value('mta_postfix_rejects_total{reason="relay",code_class="4xx"}'),
    ]);
    const r = await chain.send(
      'alice@remote.test',
      'bob@example.com',
      plainMail('alice@remote.test', 'bob@example.com', 'metrics', 'hello'),
    );
    assert.equal(r.status, 0, r.output);
    await eventually(async () => (await value('mta_postfix_deliveries_total{status="sent"}')) === sent + 1, 30_000, 'sent +1');
    assert.ok((await value('mta_postfix_messages_received_total{service="smtpd"}')) >= received + 1);
    assert.ok((await value('mta_amavis_verdicts_total{verdict="clean",blocked="false"}')) >= 1);
    assert.ok((await value('mta_amavis_scan_seconds_count')) >= 1);
    const denied = await chain.send(
      'alice@remote.test',
      'x@elsewhere.test',
      plainMail('alice@remote.test', 'x@elsewhere.test', 'relay', 'x'),
      ['--local-interface', '127.0.0.2', '--quit-after', 'RCPT'],
    );
    // The chain keeps postfix's default relay restriction, defer_unauth_destination: a 454.
    assert.match(denied.output, /<\*\* 454 4\.7\.1 <x@elsewhere\.test>: Relay access denied/, denied.output);
    await eventually(
      async () => (await value('mta_postfix_rejects_total{reason="relay",code_class="4xx"}')) === relay + 1,
      10_000,
      'reject +1',
    );
  });

  test('a virus: the verdict counter moves', async () => {
    const r = await chain.send(
      'v@remote.test',
      'bob@example.com',
      attachmentMail('v@remote.test', 'bob@example.com', 'virus', 'eicar.com', EICAR),
    );
    assert.equal(r.status, 0, r.output);
    await eventually(async () => (await value('mta_amavis_verdicts_total{verdict="virus",blocked="true"}')) >= 1, 30_000, 'virus verdict');
  });

  test('the queue builds up while the destination is down: deferred count, oldest age, deferred deliveries', async () => {
    await chain.sink.stop();
    const r = await chain.send('alice@remote.test', 'bob@example.com', plainMail('alice@remote.test', 'bob@example.com', 'queued', 'wait'));
    assert.equal(r.status, 0, r.output);
    await eventually(async () => (await value('mta_postfix_queue_messages{queue="deferred"}')) >= 1, 60_000, 'deferred queue');
    assert.ok((await value('mta_postfix_deliveries_total{status="deferred"}')) >= 1);
    await eventually(async () => (await value('mta_postfix_queue_oldest_deferred_seconds')) >= 2, 15_000, 'age grows');
  });

  test('learning: learned messages and batch durations from its log stream (the real spamd-learn)', async () => {
    const root = await tempRoot('mta-metrics-learn-');
    cleanups.push(root.cleanup);
    const lib = await makeLib(root.dir);
    const learner = startLearner(root.dir, lib, { SPAMD_STABLE_MS: '200', SPAMD_BATCH_MS: '200' });
    others.push(learner);
    keepLog(learner, 'spamd-learn');
    await eventually(() => learner.output().includes('spamd.ready'), 20_000, 'learner ready');
    await drop(lib, 'spam', 'one.eml', message('spam', 1, 'metrics'));
    await eventually(async () => (await value('mta_spamd_learned_messages_total{kind="spam"}')) === 1, 60_000, 'learned spam');
    assert.equal(await value('mta_spamd_batch_seconds_count{kind="spam"}'), 1);
  });

  test('rotating the certificate (the real acme-watch): expiry, rotation time; a rejected candidate by reason', async () => {
    const acmeDir = join(chain.root, 'acme');
    mkdirSync(acmeDir, { recursive: true });
    const host = 'mx.example.com';
    const ca = makeCa();
    const good = issue(ca, { cn: host, sans: [host], notAfter: new Date(Date.now() + 30 * 86_400_000) });
    // Not valid yet but longer-lived: acme-watch reports it (it would have won), and serves the good one.
    const early = issue(ca, {
      cn: host,
      sans: [host],
      notBefore: new Date(Date.now() + 86_400_000),
      notAfter: new Date(Date.now() + 60 * 86_400_000),
    });
    writeFileSync(join(acmeDir, 'acme.json'), acmeV2({ le: [{ main: host, cert: good }], other: [{ main: host, cert: early }] }));
    const acme = startAcmeSidecar({
      MTA_ROOT: chain.root,
      HOSTNAME: host,
      ACME_FILE: join(acmeDir, 'acme.json'),
      ACME_POSTHOOK: '',
    });
    others.push(acme);
    keepLog(acme, 'acme-watch');
    await eventually(
      async () => (await scrape()).v('mta_tls_certificate_expiry_seconds') !== undefined,
      30_000,
      'a served certificate',
    ).catch((e) => assert.fail(`${e}\n${acme.output()}`));
    const days = (await value('mta_tls_certificate_expiry_seconds')) / 86400;
    assert.ok(days > 28 && days <= 30, String(days));
    assert.ok(Math.abs((await value('mta_tls_certificate_last_rotation_timestamp_seconds')) - Date.now() / 1000) < 120);
    await eventually(
      async () => (await value('mta_acme_rejected_certificates_total{reason="not-yet-valid"}')) >= 1,
      15_000,
      'rejected: not yet valid',
    );
  });

  test('fleet: only a recent signed heartbeat of a trusted node counts as a peer; forged, untrusted and replayed ones do not', async () => {
    const { connect } = await import('@nats-io/transport-node');
    const [mx1, mx2, mx3, rogue] = await Promise.all(
      [MX1, MX2, MX3, ROGUE].map((k, i) => FleetIdentity.load(k.seed, ['mx1', 'mx2', 'mx3', 'rogue'][i] as string)),
    );
    const nc = await connect({ servers: nats.url });
    const put = (data: Record<string, unknown>, node: string) =>
      nc.publish('mta.fleet.heartbeat', JSON.stringify({ ...data, node, at: new Date().toISOString() }));
    // Any bus client: an unsigned heartbeat, one signed by a key nobody trusts, this node's own, and a recording of
    // mx3 six minutes old put back on the bus (mx3 is dead).
    put({ sidecar: 'dkim-keys' }, 'mx5');
    put({ ...signHeartbeat(rogue!, { sidecar: 'dkim-keys' }) }, 'mx6');
    put({ ...signHeartbeat(mx1!, { sidecar: 'dkim-keys' }) }, 'mx1');
    put({ ...signHeartbeat(mx3!, { sidecar: 'dkim-keys' }, new Date(Date.now() - 6 * 60_000)) }, 'mx3');
    // Then mx2, alive: its heartbeat is handled after the others (one connection keeps the order).
    const beat = signHeartbeat(mx2!, { sidecar: 'dkim-keys' });
    put({ ...beat }, 'mx2');
    await nc.flush();
    await eventually(async () => (await value('mta_fleet_peers')) >= 1, 10_000, 'mx2 counted');
    // The same heartbeat again, under other bus names: still one peer.
    put({ ...beat }, 'mx7');
    put({ ...signHeartbeat(mx2!, { sidecar: 'acme-watch' }) }, 'mx2');
    await nc.flush();
    await nc.close();
    await eventually(async () => (await value('mta_fleet_last_sync_age_seconds')) >= 0, 10_000, 'sync age');
    assert.equal(await value('mta_fleet_peers'), 1);
  });

  test('the scrape cache: requests within METRICS_SCRAPE_CACHE share one reading; 0 reads every time', async () => {
    const cachedPort = await freePort();
    await startMetrics(cachedPort, { METRICS_SCRAPE_CACHE: '30s' });
    const hold = join(mtaPaths(chain.root).postfixQueue, 'hold');
    const held = async (p: number) => {
      const text = await (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
      return Number(/^mta_postfix_queue_messages\{queue="hold"\} (\d+)$/m.exec(text)?.[1]);
    };
    const before = await held(cachedPort);
    assert.equal(await held(port), before);
    // A message put on hold (an empty file is enough for the count; postfix leaves the hold queue alone).
    const file = join(hold, 'HOLDTEST1');
    mkdirSync(hold, { recursive: true });
    writeFileSync(file, '');
    cleanups.push(async () => rmSync(file, { force: true }));
    assert.equal(await held(port), before + 1, 'cache off: the next scrape sees it');
    const burst = await Promise.all(Array.from({ length: 12 }, () => held(cachedPort)));
    assert.deepEqual(burst, Array(12).fill(before), 'cached: the reading from before');
    rmSync(file, { force: true });
  });

  test('connections are capped: beyond the cap a connection is closed at once; idle ones go after the head timeout', async () => {
    const capped = await freePort();
    await startMetrics(capped, {});
    const open = (): Promise<{ sock: Socket; closed: Promise<string> }> =>
      new Promise((resolve, reject) => {
        const sock = createConnection({ host: '127.0.0.1', port: capped });
        let got = '';
        sock.on('data', (d) => (got += d));
        const closed = new Promise<string>((r) => sock.once('close', () => r(got)));
        sock.once('connect', () => resolve({ sock, closed }));
        sock.once('error', reject);
      });
    const idle = [];
    for (let i = 0; i < 16; i++) idle.push(await open());
    const t0 = Date.now();
    const extra = await open();
    assert.equal(await extra.closed, '', 'the 17th is closed without an answer');
    assert.ok(Date.now() - t0 < 2000, 'at once');
    await assert.rejects(fetch(`http://127.0.0.1:${capped}/metrics`));
    // Nobody sent a request head: the server closes them within its 5 s head timeout, and serves again.
    const ends = await Promise.all(idle.map((c) => c.closed));
    assert.deepEqual(ends, Array(16).fill(''));
    assert.ok(Date.now() - t0 < 15_000, `idle connections lasted ${Date.now() - t0} ms`);
    assert.equal((await fetch(`http://127.0.0.1:${capped}/metrics`)).status, 200);
  });

  test('DKIM keys per domain and the supervised services (none here)', async () => {
    const { text } = await scrape();
    assert.doesNotMatch(text, /^mta_service_up\{/m);
    assert.match(text, /^mta_dkim_keys\{domain="example\.com"\} 0$/m);
    assert.doesNotMatch(text, /remote\.test|127\.0\.0\.1|bob@/, 'no addresses in labels');
  });
});
