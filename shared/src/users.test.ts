import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePasswd } from './users.ts';

const passwd = 'root:x:0:0:root:/root:/bin/bash\namavis:x:993:991:AMaViS system user:/var/lib/amavis:/bin/sh\n';

test('finds amavis with its own uid and gid', () => {
  assert.deepEqual(parsePasswd(passwd, 'amavis'), { name: 'amavis', uid: 993, gid: 991, home: '/var/lib/amavis' });
});

test('unknown users and malformed lines are not found', () => {
  assert.equal(parsePasswd(passwd, 'amav'), undefined);
  assert.equal(parsePasswd('amavis:x:abc:1:::/bin/sh', 'amavis'), undefined);
});
