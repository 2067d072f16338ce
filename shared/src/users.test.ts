import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gidHolders, numericId, parseGroup, parsePasswd, type SystemUser, supplementaryGroups } from './users.ts';

const passwd = 'root:x:0:0:root:/root:/bin/bash\namavis:x:993:991:AMaViS system user:/var/lib/amavis:/bin/sh\n';

test('finds amavis with its own uid and gid', () => {
  assert.deepEqual(parsePasswd(passwd, 'amavis'), { name: 'amavis', uid: 993, gid: 991, home: '/var/lib/amavis' });
});

test('unknown users and malformed lines are not found', () => {
  assert.equal(parsePasswd(passwd, 'amav'), undefined);
  assert.equal(parsePasswd('amavis:x:abc:1:::/bin/sh', 'amavis'), undefined);
});

test('groups and numeric ids are found by exact name', () => {
  const f = 'root:x:0:\namavisx:x:12:\namavis:x:993:clamav\n';
  assert.equal(parseGroup(f, 'amavis'), 993);
  assert.equal(parseGroup(f, 'root'), 0);
  assert.equal(parseGroup(f, 'clamav'), undefined);
  assert.equal(numericId('user', '5000'), 5000);
  assert.equal(numericId('user', 'root'), 0);
  assert.equal(numericId('group', 'root'), 0);
  assert.throws(() => numericId('group', 'no-such-group-here'), /no group no-such-group-here/);
});

test('the holders of a gid: groups of that number and users whose primary group it is', () => {
  const group = 'root:x:0:\namavis:x:991:clamav\nother:x:1991:\n';
  assert.deepEqual(gidHolders(passwd, group, 991), ['group amavis', 'user amavis']);
  assert.deepEqual(gidHolders(passwd, group, 0), ['group root', 'user root']);
  assert.deepEqual(gidHolders(passwd, group, 4321), []);
});

test('supplementary groups: the own gid first and the given ones once; with exactGroups only the given ones', () => {
  const user: SystemUser = { name: 'reader', uid: 5000, gid: 5000, home: '/' };
  assert.deepEqual(supplementaryGroups(user, []), [5000]);
  assert.deepEqual(supplementaryGroups(user, [7, 5000, 7]), [5000, 7]);
  assert.deepEqual(supplementaryGroups(user, [], true), []);
  assert.deepEqual(supplementaryGroups(user, [5000], true), [], 'the learn group that is the own one adds nothing');
  assert.deepEqual(supplementaryGroups(user, [7, 5000], true), [7]);
});

// `call` (an expression over this module's exports) in a child process started as root, as a sidecar is: what it
// returned and the ids it ends with, read back from /proc (process.getgroups() always adds the effective gid, so it
// cannot tell the two lists apart).
const asRoot = (call: string) => {
  const users = new URL('./users.ts', import.meta.url).href;
  const script = `import { readFileSync } from 'node:fs';
import * as users from ${JSON.stringify(users)};
const ok = await users.${call};
const groups = /^Groups:(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))[1].trim().split(/\\s+/).filter(Boolean);
console.log(JSON.stringify({ ok, uid: process.geteuid(), gid: process.getegid(), groups: groups.map(Number) }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: 'pipe' });
  return JSON.parse(out) as { ok: boolean; uid: number; gid: number; groups: number[] };
};
const root = { skip: process.getuid?.() !== 0 && 'needs root' };
const nobody: SystemUser = { name: 'nobody', uid: 65534, gid: 65534, home: '/' };

test('becomeUser leaves root for the uid, the gid and exactly the supplementary groups asked for', root, () => {
  const become = (exactGroups: boolean) => `becomeUser(${JSON.stringify(nobody)}, [65533], { exactGroups: ${exactGroups} })`;
  assert.deepEqual(asRoot(become(false)), { ok: true, uid: 65534, gid: 65534, groups: [65533, 65534] });
  assert.deepEqual(asRoot(become(true)), { ok: true, uid: 65534, gid: 65534, groups: [65533] });
});

test('leaveRootFor becomes the user named with the groups named; a group this system lacks is a configuration error', root, () => {
  const user = parsePasswd(readFileSync('/etc/passwd', 'utf8'), 'nobody') ?? assert.fail('no user nobody');
  const groups = [0, user.gid].sort((a, b) => a - b);
  assert.deepEqual(asRoot("leaveRootFor('nobody', ['root'])"), { ok: true, uid: user.uid, gid: user.gid, groups });
  assert.throws(() => asRoot("leaveRootFor('nobody', ['no-such-group-here'])"), /group no-such-group-here not found/);
});
