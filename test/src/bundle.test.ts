import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, issue, makeCa } from '@mta/acme-watch/testing';
import { mtaPaths } from '@mta/shared';
import { bundleSidecars, launcher } from './harness/bundle.ts';
import { type Daemon, eventually, fleetEnv, freePort, nodeKey, startDaemon, startNats, tempRoot } from './harness/index.ts';
import { message } from './spamd/corpus.ts';
import { drop, KOPANO, logLines, makeLib } from './spamd/learner.ts';

const uid = (flag: string, name: string) => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout);

// The flags and malloc tuning the image's launcher starts every sidecar with.
const LAUNCHER = launcher();
const NODE_FLAGS = LAUNCHER.nodeFlags;

// The image runs the sidecars from their bundles, not from dist/ or through tsx: what only a bundle can get wrong
// (CommonJS interop in lazily loaded chunks, __filename, require of builtins) is tested here, on the paths that load
// those chunks (key writing, sa-learn, the NATS client and its KV).
describe('bundled sidecars, as the image runs them', { timeout: 120_000 }, () => {
  let tmp: Awaited<ReturnType<typeof tempRoot>>;
  let entry: Record<string, string> = {};
  const daemons: Daemon[] = [];
  const env = (root: string, extra: Record<string, string> = {}) => ({
    ...process.env,
    ...LAUNCHER.env,
    MTA_ROOT: root,
    MTA_NODE: 'bundle-test',
    MAIL_DOMAIN: 'example.com',
    ...extra,
  });
  const run = (name: string, root: string, extra: Record<string, string> = {}, args: string[] = []) => {
    const d = startDaemon(process.execPath, [...NODE_FLAGS, entry[name] as string, ...args], { env: env(root, extra) });
    daemons.push(d);
    return d;
  };
  // The sidecar's log line with this event; on timeout the failure shows everything the sidecar said.
  const waitForEvent = (d: Daemon, name: string, ms = 20_000) =>
    eventually(() => logLines(d).find((l) => l.event === name), ms, name).catch((e) => assert.fail(`${e}\n${d.output()}`));

  before(async () => {
    tmp = await tempRoot('mta-bundle-');
    entry = bundleSidecars(join(tmp.dir, 'bundles'));
  });
  after(async () => {
    for (const d of daemons) await d.stop();
    await tmp?.cleanup();
  });

  it('dkim-keys --once generates and writes a key (the chunk with the atomic writer)', () => {
    const root = join(tmp.dir, 'dkim');
    const r = spawnSync(process.execPath, [...NODE_FLAGS, entry['dkim-keys'] as string, '--once'], { env: env(root), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(existsSync(join(mtaPaths(root).dkim, 'example.com.default.privkey.pem')), r.stdout);
  });

  it('dkim-keys publishes its key to the fleet bucket (NATS client and KV chunks)', async () => {
    const nats = await startNats({ jetstream: true, dir: join(tmp.dir, 'nats') });
    daemons.push(nats);
    const me = nodeKey('bundle');
    const d = run('dkim-keys', join(tmp.dir, 'dkim-fleet'), { NATS_URL: nats.url, ...fleetEnv(me, [me]) });
    await waitForEvent(d, 'dkim.fleet.published');
    await waitForEvent(d, 'bus.connected');
  });

  it('spamd-learn learns a dropped message with sa-learn (execa chunk) and removes it', async () => {
    const root = join(tmp.dir, 'spamd');
    const lib = await makeLib(root);
    // kopano's files are group-readable by kopano's group, which the operator names (as in the image's compose).
    const d = run('spamd-learn', root, {
      KOPANO_SPAMD_LIB: lib,
      KOPANO_SPAMD_GID: String(KOPANO.gid),
      SPAMD_STABLE_MS: '200',
      SPAMD_BATCH_MS: '200',
    });
    await waitForEvent(d, 'spamd.ready');
    await drop(lib, 'spam', 'one.eml', message('spam', 1, 'bundle'));
    const learned = await waitForEvent(d, 'spamd.learned', 60_000);
    assert.equal(learned.count, 1, `${JSON.stringify(learned)}\n${d.output()}`);
    await eventually(() => !existsSync(join(lib, 'spam', 'one.eml')), 10_000, 'file removed after learning');
  });

  it('acme-watch --once installs a certificate (crypto, execa for postconf); the service then finds it unchanged', async () => {
    const root = join(tmp.dir, 'acme');
    mkdirSync(join(root, 'etc/postfix'), { recursive: true });
    writeFileSync(join(root, 'etc/postfix/main.cf'), '');
    const host = 'mx.example.com';
    const ca = makeCa();
    const cert = issue(ca, { cn: host, sans: [host, 'example.com'] });
    writeFileSync(join(root, 'acme.json'), acmeV2({ le: [{ main: host, cert }] }));
    const extra = { ACME_FILE: join(root, 'acme.json'), HOSTNAME: host, ACME_POSTHOOK: '' };
    const once = spawnSync(process.execPath, [...NODE_FLAGS, entry['acme-watch'] as string, '--once'], {
      env: env(root, extra),
      encoding: 'utf8',
    });
    assert.equal(once.status, 0, once.stdout + once.stderr);
    assert.match(once.stdout, /"event":"acme\.once","outcome":"installed"/, once.stdout);
    const d = run('acme-watch', root, extra);
    await waitForEvent(d, 'acme.unchanged');
  });

  it('guard bans from a followed log line (node:crypto for the dovecot map) and shares it through KV', async () => {
    const nats = await startNats({ jetstream: true, dir: join(tmp.dir, 'nats-guard') });
    daemons.push(nats);
    const root = join(tmp.dir, 'guard');
    const paths = mtaPaths(root);
    mkdirSync(join(paths.logDir, 'postfix'), { recursive: true });
    mkdirSync(paths.postfixConf, { recursive: true });
    mkdirSync(paths.dovecotConf, { recursive: true });
    mkdirSync(join(root, 'usr/share/mta'), { recursive: true });
    writeFileSync(join(root, 'usr/share/mta/variant'), 'base\n');
    writeFileSync(join(paths.postfixConf, 'main.cf'), 'mynetworks = 127.0.0.0/8\n');
    const once = spawnSync(process.execPath, [...NODE_FLAGS, entry.guard as string, '--once'], { env: env(root), encoding: 'utf8' });
    assert.equal(once.status, 0, once.stdout + once.stderr);
    const d = run('guard', root, { NATS_URL: nats.url, MTA_FLEET_KEY: nodeKey('bundle-test').seed });
    await waitForEvent(d, 'guard.ready');
    writeFileSync(
      join(paths.logDir, 'postfix', 'current'),
      'Dec 01 13:46:11 mx postfix/postscreen[1]: PREGREET 11 after 0 from [192.0.2.9]:4000: EHLO x\\r\\n\n',
    );
    await waitForEvent(d, 'guard.banned');
    const key = createHash('md5').update('192.0.2.9').digest('hex');
    await eventually(
      () => readFileSync(join(paths.guardDovecotDir, key.slice(0, 2)), 'utf8').includes(`\n${key}:\n`),
      10_000,
      'dovecot deny shard',
    );
    await waitForEvent(d, 'fleet.following');
  });

  it('mta-sts serves our policy and answers postfix over its socketmap (the HTTP server, the postconf run)', async () => {
    const root = join(tmp.dir, 'mta-sts');
    const paths = mtaPaths(root);
    mkdirSync(paths.mtaStsRun, { recursive: true });
    mkdirSync(paths.postfixConf, { recursive: true });
    // It becomes mta-sts before it listens, as in the image: its socket directory as the run script makes it, in a
    // tree that user may walk.
    for (const dir of [root, paths.run]) chmodSync(dir, 0o755);
    chownSync(paths.mtaStsRun, uid('-u', 'mta-sts'), uid('-g', 'mta-sts'));
    const socket = join(paths.mtaStsRun, 'policy.sock');
    writeFileSync(paths.mtaStsConf, JSON.stringify({ socket, map: 'mta-sts' }));
    const port = await freePort();
    const d = run('mta-sts', root, { MTA_STS_PUBLISH: 'testing', MTA_STS_LISTEN: `127.0.0.1:${port}` });
    await waitForEvent(d, 'mtasts.ready');
    const policy = await new Promise<string>((resolve, reject) =>
      httpGet({ host: '127.0.0.1', port, path: '/.well-known/mta-sts.txt', headers: { host: 'mta-sts.example.com' } }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      }).on('error', reject),
    );
    assert.match(policy, /^version: STSv1\r\nmode: testing\r\n/);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(socket);
      s.on('error', reject);
      s.on('data', (b) => {
        s.destroy();
        resolve(b.toString());
      });
      s.write('9:mta-sts .,');
    });
    assert.equal(reply, '9:NOTFOUND ,');
  });

  it('sender-milter refuses a From its login does not own (the milter socket, the check session) and reports on the bus', async () => {
    const nats = await startNats({ dir: join(tmp.dir, 'nats-milter') });
    daemons.push(nats);
    const root = join(tmp.dir, 'milter');
    const paths = mtaPaths(root);
    mkdirSync(paths.senderMilterRun, { recursive: true });
    mkdirSync(paths.postfixConf, { recursive: true });
    // It becomes mta-milter before it listens, as in the image.
    chownSync(paths.senderMilterRun, uid('-u', 'mta-milter'), uid('-g', 'postfix'));
    // A stand-in for postfix's check smtpd: nobody owns anything.
    const check = join(root, 'check.sock');
    const server = createServer((sock) => {
      sock.on('error', () => undefined);
      sock.write('220 check\r\n');
      sock.on('data', (d) => {
        for (const line of d.toString().split('\r\n').filter(Boolean))
          sock.write(line.startsWith('XCLIENT') ? '220 check\r\n' : line.startsWith('MAIL') ? '553 5.7.1 not owned\r\n' : '250 ok\r\n');
      });
    });
    await new Promise<void>((r) => server.listen(check, r));
    chmodSync(check, 0o666);
    const socket = join(paths.senderMilterRun, 'milter.sock');
    writeFileSync(paths.senderMilterConf, JSON.stringify({ socket, check }));
    const d = run('sender-milter', root, { NATS_URL: nats.url });
    const ready = await waitForEvent(d, 'sender-milter.ready');
    assert.equal(ready.switched, true, 'left root');
    const pkt = (cmd: string, data: Buffer) => {
      const h = Buffer.alloc(5);
      h.writeUInt32BE(data.length + 1, 0);
      h.write(cmd, 4, 'latin1');
      return Buffer.concat([h, data]);
    };
    const neg = Buffer.alloc(12);
    neg.writeUInt32BE(6, 0);
    neg.writeUInt32BE(0x1ff, 4);
    neg.writeUInt32BE(0x1fffff, 8);
    const reply = await new Promise<string>((resolve) => {
      const s = connect(socket);
      let got = Buffer.alloc(0);
      s.on('connect', () =>
        s.write(
          Buffer.concat([
            pkt('O', neg),
            pkt('D', Buffer.from('N{auth_authen}\0alice\0')),
            pkt('L', Buffer.from('From\0Boss <boss@other.test>\0')),
            pkt('N', Buffer.alloc(0)),
          ]),
        ),
      );
      s.on('data', (b) => {
        got = Buffer.concat([got, b]);
        const first = got.readUInt32BE(0) + 4;
        if (got.length > first + 4 && got.length >= first + 4 + got.readUInt32BE(first)) {
          s.destroy();
          resolve(got.subarray(first + 4).toString('latin1'));
        }
      });
    });
    server.close();
    assert.equal(reply, 'y550 5.7.1 From: names a sender this login may not use\0');
    await waitForEvent(d, 'submission.refused');
    await waitForEvent(d, 'bus.connected');
  });
});
