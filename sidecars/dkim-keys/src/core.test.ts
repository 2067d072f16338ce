import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fingerprints } from './core.ts';

test('fingerprints lists usable keys only, by domain and selector', () => {
  const known = new Map([
    ['a.test.default.privkey.pem', 'SHA256:abc'],
    ['b.test.default.privkey.pem', 'rejected:0123'],
  ]);
  assert.deepEqual(fingerprints(known), { 'a.test.default': 'SHA256:abc' });
});
