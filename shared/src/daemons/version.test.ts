import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dovecotAtLeast, isDovecot24, isPostfix310, postfixAtLeast, readDaemonFact, versionAtLeast } from './fact.ts';
import { debianRelease } from './release.ts';
import { daemonVersions, PROBES, parseVersion } from './version.ts';

const probe = (name: string) => PROBES.find((p) => p.name === name) ?? assert.fail(`no probe ${name}`);

test('each version is read from what the daemons of bookworm and trixie print', () => {
  const cases: [string, string, string][] = [
    ['postfix', '3.7.11', '3.7.11'],
    ['postfix', '3.10.13', '3.10.13'],
    ['dovecot', '2.3.19.1 (9b53102964)', '2.3.19.1'],
    ['dovecot', '2.4.1-4 (7d8c0e5759)', '2.4.1-4'],
    ['amavis', 'amavis-2.13.0 (20230106)', '2.13.0'],
    ['amavis', 'amavisd-new-2.12.2 (20220201)', '2.12.2'],
    ['SpamAssassin', 'SpamAssassin version 4.0.1\n  running on Perl version 5.40.1', '4.0.1'],
    ['ClamAV', 'ClamAV 1.4.6', '1.4.6'],
    ['ClamAV', 'ClamAV 1.4.6/27846/Sat Dec  5 09:22:01 2026', '1.4.6'],
    [
      'haproxy',
      'HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/\nStatus: long-term supported branch',
      '2.6.12-1+deb12u4',
    ],
    ['haproxy', 'HAProxy version 3.0.11-1+deb13u5 2026/11/02 - https://haproxy.org/', '3.0.11-1+deb13u5'],
    ['nats-server', 'nats-server: v2.10.27', '2.10.27'],
  ];
  for (const [name, out, want] of cases) assert.equal(parseVersion(probe(name), out), want, `${name}: ${out}`);
  assert.equal(parseVersion(probe('postfix'), 'postconf: fatal: open /etc/postfix/main.cf: No such file'), undefined);
});

// dpkg's version without epoch and Debian revision: what the daemon itself calls its version, or its prefix.
function packageVersion(pkg: string): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', `-f=\${Version}`, pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout ? r.stdout.replace(/^\d+:/, '').replace(/[+~].*$/, '') : undefined;
}

test('the versions of the daemons installed here are those of their Debian packages', async (t) => {
  const packages: Record<string, string> = {
    postfix: 'postfix',
    dovecot: 'dovecot-core',
    amavis: 'amavisd-new',
    SpamAssassin: 'spamassassin',
    ClamAV: 'clamav-daemon',
    haproxy: 'haproxy',
    'nats-server': 'nats-server',
  };
  const found = new Map((await daemonVersions('/')).map((l) => l.split(' ') as [string, string]));
  if (!found.size) return t.skip('no daemon installed here (scripts/install-deps)');
  for (const [name, pkg] of Object.entries(packages)) {
    const want = packageVersion(pkg);
    if (want === undefined) continue;
    const got = found.get(name) ?? assert.fail(`${pkg} is installed but status reports no ${name}`);
    // dovecot says 2.4.1-4 for package 2.4.1, haproxy its full Debian version.
    assert.ok(got.startsWith(want.replace(/-\d+$/, '')), `${name}: status says ${got}, dpkg ${pkg} ${want}`);
  }
});

test('a daemon that does not say its version is "unknown"; one that is not installed is left out', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-versions-'));
  try {
    mkdirSync(join(root, 'usr/sbin'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    const script = (name: string, body: string) => {
      writeFileSync(join(root, 'usr/sbin', name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(root, 'usr/sbin', name), 0o755);
    };
    script('dovecot', 'echo "2.4.1-4 (7d8c0e5759)"');
    script('haproxy', 'echo "segfault" >&2; exit 139');
    script('nats-server', 'echo "nats-server: v2.10.27"');
    writeFileSync(join(root, 'usr/sbin/postconf'), 'not executable');
    assert.deepEqual(await daemonVersions(root), ['dovecot 2.4.1-4', 'haproxy unknown', 'nats-server 2.10.27']);
    assert.deepEqual(await readDaemonFact(root), { dovecot: '2.4.1-4' }, 'postfix is not installed there: absent');
    assert.equal(debianRelease(root), undefined);
    writeFileSync(join(root, 'etc/debian_version'), '13.2\n');
    writeFileSync(join(root, 'etc/os-release'), 'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nVERSION_CODENAME=trixie\n');
    assert.equal(debianRelease(root), '13.2 (trixie)');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the daemon versions fact answers which syntax to render', () => {
  assert.ok(versionAtLeast('2.4.1-4 (7d8c0e5759)', '2.4'));
  assert.ok(versionAtLeast('2.4', '2.4.0'));
  assert.ok(!versionAtLeast('2.3.19.1', '2.4'));
  assert.ok(versionAtLeast('3.10.13', '3.7'), 'numeric, not lexical');
  assert.ok(!versionAtLeast('3.7.11', '3.10'));
  assert.ok(!versionAtLeast('unknown', '2.4'));
  assert.ok(!versionAtLeast(undefined, '0'));
  const trixie = { postfix: '3.10.13', dovecot: '2.4.1-4' };
  const bookworm = { postfix: '3.7.11', dovecot: '2.3.19.1' };
  assert.deepEqual([isDovecot24(trixie), isPostfix310(trixie), isDovecot24(bookworm), isPostfix310(bookworm)], [true, true, false, false]);
  assert.ok(dovecotAtLeast(trixie, '2.4.1') && !dovecotAtLeast(trixie, '2.4.2') && postfixAtLeast(bookworm, '3.7'));
  assert.ok(!isDovecot24({ postfix: '3.10.13' }) && !isDovecot24(undefined), 'no dovecot (mini) or no fact: not 2.4');
});
