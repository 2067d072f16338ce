import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileScope } from '../harness/index.ts';

const SCRIPT = new URL('../../../image/lib/resolver-setup', import.meta.url).pathname;
const scope = fileScope();

// What docker writes for a container on a user network: its embedded resolver, search and options.
const DOCKER = 'nameserver 127.0.0.11\nsearch example.internal\noptions ndots:0\n';

test('resolver-setup: resolv.conf names the local unbound, docker resolvers become its forwarders, and come back when DANE is off', async () => {
  const root = await scope.dir('mta-resolver-');
  mkdirSync(join(root, 'etc/postfix'), { recursive: true });
  const resolv = join(root, 'etc/resolv.conf');
  writeFileSync(resolv, DOCKER);
  const run = () => spawnSync('sh', [SCRIPT, root], { encoding: 'utf8' });

  // DANE off (no configuration from the seed): nothing changes.
  assert.equal(run().status, 0);
  assert.equal(readFileSync(resolv, 'utf8'), DOCKER);
  assert.equal(existsSync(join(root, 'run/mta/unbound-forward.conf')), false);

  writeFileSync(join(root, 'etc/postfix/mta-unbound.conf'), 'server:\n');
  for (let i = 0; i < 2; i++) {
    // Twice: a second start finds its own resolv.conf and keeps docker's copy as it was.
    const r = run();
    assert.equal(r.status, 0, r.stderr);
    const ours = readFileSync(resolv, 'utf8');
    assert.match(ours, /^# mta: /);
    assert.match(ours, /^nameserver 127\.0\.0\.1$/m);
    assert.doesNotMatch(ours, /127\.0\.0\.11/);
    assert.match(ours, /^options trust-ad$/m);
    assert.match(ours, /^search example\.internal$/m);
    assert.equal(readFileSync(join(root, 'run/mta/resolv.conf.upstream'), 'utf8'), DOCKER);
    const forward = readFileSync(join(root, 'run/mta/unbound-forward.conf'), 'utf8');
    assert.match(forward, /forward-addr: 127\.0\.0\.11$/m);
    assert.doesNotMatch(forward, /forward-addr: 127\.0\.0\.1$/m);
  }
  const anchor = join(root, 'srv/var/lib/unbound/root.key');
  assert.match(readFileSync(anchor, 'utf8'), /DS|DNSKEY/);
  assert.equal(statSync(anchor).uid, Number(spawnSync('id', ['-u', 'unbound'], { encoding: 'utf8' }).stdout.trim()));

  // A resolv.conf that names 127.0.0.1 by itself (host network) is never its own forwarder.
  rmSync(join(root, 'run/mta/resolv.conf.upstream'));
  writeFileSync(resolv, 'nameserver 127.0.0.1\nnameserver 192.0.2.53\n');
  assert.equal(run().status, 0);
  const forward = readFileSync(join(root, 'run/mta/unbound-forward.conf'), 'utf8');
  assert.match(forward, /forward-addr: 192\.0\.2\.53$/m);
  assert.doesNotMatch(forward, /forward-addr: 127\.0\.0\.1$/m);

  // DANE switched off again: docker's file comes back.
  rmSync(join(root, 'etc/postfix/mta-unbound.conf'));
  assert.equal(run().status, 0);
  assert.equal(readFileSync(resolv, 'utf8'), 'nameserver 127.0.0.1\nnameserver 192.0.2.53\n');
});

test('resolver-setup: a read-only resolv.conf is said once and does not stop the container', async () => {
  const root = await scope.dir('mta-resolver-ro-');
  mkdirSync(join(root, 'etc/postfix'), { recursive: true });
  writeFileSync(join(root, 'etc/postfix/mta-unbound.conf'), 'server:\n');
  // A directory where the file should be: not writable as a file, even for root.
  mkdirSync(join(root, 'etc/resolv.conf'));
  const r = spawnSync('sh', [SCRIPT, root], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /is not writable: DANE is inactive/);
});
