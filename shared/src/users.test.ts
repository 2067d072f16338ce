import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gidHolders, numericId, parseGroup, parsePasswd } from './users.ts';

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
