import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedGate } from './gate.ts';

test('seed runs while the unlock file (under root) exists, or when FORCE_CONFIG is non-empty', () => {
  const has = (p: string) => p === '/r/srv/etc/.docker.unlock';
  assert.deepEqual(seedGate({}, '/r', has), { run: true, force: false, unlockFile: '/r/srv/etc/.docker.unlock' });
  assert.equal(seedGate({ DOCKER_UNLOCK_FILE: '/other' }, '/r', has).run, false);
  assert.equal(seedGate({ FORCE_CONFIG: '  ' }, '/x', has).run, false);
  assert.deepEqual(seedGate({ FORCE_CONFIG: 'OVERWRITE' }, '/x', has), { run: true, force: true, unlockFile: '/x/srv/etc/.docker.unlock' });
});
