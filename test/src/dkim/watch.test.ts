import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Daemon, eventually, fleetEnv, heartbeatOf, type NatsServer, nodeKey, startNats, tempRoot } from '../harness/index.ts';
import { amavisd, startSidecarProcess, writeAmavisConf } from './helpers.ts';

describe('dkim-keys watches the key dir', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let nats: NatsServer;
  let nc: NatsConnection;
  let sidecar: Daemon;
  const events: { subject: string; data: Record<string, unknown> }[] = [];

  before(async () => {
    root = await tempRoot('mta-dkim-watch-');
    nats = await startNats();
    nc = await connect({ servers: nats.url });
    nc.subscribe('mta.dkim.>', { callback: (_e, m) => void events.push({ subject: m.subject, data: m.json() }) });
    nc.subscribe('mta.fleet.heartbeat', { callback: (_e, m) => void events.push({ subject: m.subject, data: heartbeatOf(m.json()) }) });
    await nc.flush();
    // A fleet node (NATS_URL and a signing key): it sends heartbeats.
    const me = nodeKey('n1');
    sidecar = startSidecarProcess(root.dir, { MAIL_DOMAIN: 'a.test', NATS_URL: nats.url, MTA_NODE: 'n1', ...fleetEnv(me, [me]) });
    await eventually(() => events.some((e) => e.subject === 'mta.dkim.key.created'), 20_000, `key created\n${sidecar.output()}`);
    await eventually(() => sidecar.output().includes('"event":"dkim.ready"'), 10_000, 'sidecar ready');
  });
  after(async () => {
    await sidecar?.stop();
    await nc?.close();
    await nats?.stop();
    await root?.cleanup();
  });

  test('the created event carries the public DNS value only', () => {
    const created = events.find((e) => e.subject === 'mta.dkim.key.created')?.data ?? {};
    assert.equal(created.domain, 'a.test');
    assert.equal(created.selector, 'default');
    assert.equal(created.bits, 2048);
    assert.equal(created.node, 'n1');
    assert.match(String(created.dns), /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/);
    assert.doesNotMatch(JSON.stringify(created), /PRIVATE KEY/);
  });

  test('fleet heartbeats name the key each domain signs with', async () => {
    const created = events.find((e) => e.subject === 'mta.dkim.key.created')?.data ?? {};
    const beat = await eventually(() => events.find((e) => e.subject === 'mta.fleet.heartbeat'), 3000, 'heartbeat');
    assert.equal(beat.data.sidecar, 'dkim-keys');
    assert.deepEqual(beat.data.dkim, { 'a.test.default': created.fingerprint });
  });

  test('a key made with `amavisd genrsa` in the dir (seed README) is adopted within 1 s and put into the amavis config', async () => {
    const paths = mtaPaths(root.dir);
    const conf = await writeAmavisConf(root.dir);
    const keyFile = join(paths.dkim, 'c.test.default.privkey.pem');
    // Creates the file empty (0600 root) and then writes it: the watcher must wait for the whole key.
    await amavisd(conf, ['genrsa', keyFile, '2048']);
    const started = Date.now();
    const want = createPublicKey(createPrivateKey(await readFile(keyFile)))
      .export({ format: 'der', type: 'spki' })
      .toString('base64');
    await eventually(
      async () => (await readFile(paths.amavisDkim, 'utf8')).includes(`dkim_key('c.test', 'default', '${keyFile}');`),
      1000,
      'snippet names c.test within 1 s',
    );
    const tookMs = Date.now() - started;
    assert.ok(tookMs <= 1000, `adopted after ${tookMs} ms`);
    assert.match(await readFile(paths.amavisDkim, 'utf8'), /'c\.test' => \{ d => 'c\.test', s => 'default'/);
    const imported = await eventually(() => events.find((e) => e.subject === 'mta.dkim.key.imported' && e.data.domain === 'c.test'), 2000);
    assert.equal(imported.data.dns, `v=DKIM1; k=rsa; p=${want}`);
    assert.equal(imported.data.source, 'file');
    const txt = await readFile(join(paths.dkim, 'c.test.default._domainkey.txt'), 'utf8');
    assert.equal(
      txt
        .match(/"([^"]*)"/g)
        ?.map((s) => s.slice(1, -1))
        .join(''),
      `v=DKIM1; k=rsa; p=${want}`,
    );
    assert.equal((await stat(keyFile)).mode & 0o777, 0o640);
    assert.ok(!events.some((e) => e.subject === 'mta.dkim.key.rejected'), 'the half-written key was reported as broken');
  });

  test('a broken file is rejected on the bus and stays out of the amavis config', async () => {
    const paths = mtaPaths(root.dir);
    const bad = join(paths.dkim, 'd.test.default.privkey.pem');
    await writeFile(bad, '-----BEGIN RSA PRIVATE KEY-----\nnot really\n-----END RSA PRIVATE KEY-----\n');
    const rejected = await eventually(() => events.find((e) => e.subject === 'mta.dkim.key.rejected' && e.data.domain === 'd.test'), 3000);
    assert.equal(rejected.data.file, bad);
    assert.match(String(rejected.data.reason), /not a PEM private key/);
    const snippet = await readFile(paths.amavisDkim, 'utf8');
    assert.doesNotMatch(snippet, /d\.test/);
    assert.match(snippet, /dkim_key\('a\.test'/);
    assert.match(snippet, /dkim_key\('c\.test'/);
    assert.doesNotMatch(sidecar.output(), /not really/);
    // Reported once: a second unrelated change does not repeat it.
    await writeFile(join(paths.dkim, 'unrelated.txt'), 'x');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(events.filter((e) => e.subject === 'mta.dkim.key.rejected').length, 1);
  });

  test('SIGTERM stops the sidecar cleanly', async () => {
    const exited = new Promise<number | null>((r) => sidecar.proc.once('exit', (code) => r(code)));
    sidecar.proc.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
