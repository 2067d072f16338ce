import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSettings } from './settings.ts';

test('settings: all fields, sealers lower-cased; anything missing is a config error', () => {
  const ok = {
    authservId: 'example.com',
    trustedSealers: ['Lists.Example.org'],
    enforce: true,
    verifySocket: '/r/v.sock',
    enforceSocket: '/r/e.sock',
    user: 'mta-arc',
  };
  assert.deepEqual(parseSettings(JSON.stringify(ok), 'f'), { ...ok, trustedSealers: ['lists.example.org'] });
  assert.throws(() => parseSettings(JSON.stringify({ ...ok, verifySocket: 'relative' }), 'f'), /must name/);
  assert.throws(() => parseSettings('{', 'f'), /not JSON/);
});
