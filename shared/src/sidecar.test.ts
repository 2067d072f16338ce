import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restoreGlibcTunables } from './sidecar.ts';

test('the container value of GLIBC_TUNABLES comes back for what a sidecar runs', () => {
  const env: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0', MTA_GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
  restoreGlibcTunables(env);
  assert.deepEqual(env, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
});

test('GLIBC_TUNABLES is dropped when the container had none, and left alone outside the launcher', () => {
  const launched: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0', MTA_GLIBC_TUNABLES: '' };
  restoreGlibcTunables(launched);
  assert.deepEqual(launched, {});
  const direct: NodeJS.ProcessEnv = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' };
  restoreGlibcTunables(direct);
  assert.deepEqual(direct, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' });
});
