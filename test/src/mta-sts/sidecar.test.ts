import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { healthChecks } from '@mta/cli/health/checks';
import { probe } from '@mta/cli/health/probe';
import { encodeNetstring, NetstringReader } from '@mta/mta-sts';
import { lookupUser, mtaPaths } from '@mta/shared';
import { type Daemon, eventually, freePort, healthFacts, startDaemon, tempRoot } from '../harness/index.ts';

// The sidecar as the image runs it (main.ts, its own process, the seed's settings file): the socketmap postfix asks
// and the policy endpoint, with their start events.
const MAIN = fileURLToPath(new URL('../../../sidecars/mta-sts/src/main.ts', import.meta.url));
let root: { dir: string; cleanup: () => Promise<void> };
let sidecar: Daemon;
let port: number;
let socket: string;

before(async () => {
  root = await tempRoot('mta-sts-sidecar-');
  const paths = mtaPaths(root.dir);
  socket = join(paths.mtaStsRun, 'policy.sock');
  mkdirSync(paths.mtaStsRun, { recursive: true });
  mkdirSync(paths.postfixConf, { recursive: true });
  // As root it becomes mta-sts: its socket directory as the run script makes it, in a tree that user may walk.
  if (process.getuid?.() === 0) {
    const user = await lookupUser('mta-sts');
    for (const d of [root.dir, paths.run]) chmodSync(d, 0o755);
    chownSync(paths.mtaStsRun, user.uid, user.gid);
  }
  writeFileSync(paths.mtaStsConf, JSON.stringify({ socket, map: 'mta-sts' }));
  // Nobody answers DNS there: lookups fail, which leaves every destination without a policy.
  mkdirSync(join(root.dir, 'etc'), { recursive: true });
  writeFileSync(join(root.dir, 'etc/resolv.conf'), 'nameserver 127.0.0.9\n');
  port = await freePort();
  sidecar = startDaemon(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      MTA_ROOT: root.dir,
      HOSTNAME: 'mx1.a.test',
      MAIL_DOMAIN: 'a.test b.test',
      MTA_STS_PUBLISH: 'enforce',
      MTA_STS_LISTEN: `127.0.0.1:${port}`,
      NATS_URL: `nats://127.0.0.1:${await freePort()}`,
    },
    cwd: join(MAIN, '../../../..'),
  });
  await eventually(() => sidecar.output().includes('"mtasts.ready"') || sidecar.proc.exitCode !== null, 30_000, 'the sidecar ready');
  assert.match(sidecar.output(), /"mtasts\.ready"/, sidecar.output());
});
after(async () => {
  await sidecar?.stop();
  await root?.cleanup();
});

test('it serves our policy for mta-sts.<each MAIL_DOMAIN> and says so once at start', async () => {
  assert.match(sidecar.output(), /"event":"mtasts\.publishing"/);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/.well-known/mta-sts.txt', headers: { host: 'mta-sts.b.test' } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(body, 'version: STSv1\r\nmode: enforce\r\nmx: mx1.a.test\r\nmax_age: 604800\r\n');
});

test('postfix gets NOTFOUND for a destination without a policy (DNS unreachable), and for its parent-domain probes', async () => {
  const c = createConnection(socket);
  const reader = new NetstringReader(10_000);
  const replies: string[] = [];
  c.on('data', (d: Buffer) => replies.push(...reader.push(d)));
  c.write(Buffer.concat([encodeNetstring('mta-sts dest.test'), encodeNetstring('mta-sts .test')]));
  await eventually(() => replies.length === 2, 15_000, 'two replies');
  c.destroy();
  assert.deepEqual(replies, ['NOTFOUND ', 'NOTFOUND ']);
});

test("the container's health check finds it answering, from postfix's map list", async () => {
  const checks = healthChecks(healthFacts({ variant: 'mini', tlsPolicyMaps: `texthash:/x, socketmap:unix:${socket}:mta-sts` })).slice(1);
  assert.equal(checks.length, 1);
  for (const c of checks) assert.equal(await probe(c.target, c.probe), undefined);
});

test('started as root, it runs as its own user mta-sts (every uid), after binding the policy endpoint', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('not root');
  const user = await lookupUser('mta-sts');
  const status = readFileSync(`/proc/${sidecar.proc.pid}/status`, 'utf8');
  assert.match(status, new RegExp(`^Uid:\\s+${user.uid}\\s+${user.uid}\\s+${user.uid}\\s+${user.uid}$`, 'm'));
  assert.match(status, new RegExp(`^Gid:\\s+${user.gid}\\s+${user.gid}\\s+${user.gid}\\s+${user.gid}$`, 'm'));
  assert.match(sidecar.output(), /"event":"mtasts\.privileges"/);
});
