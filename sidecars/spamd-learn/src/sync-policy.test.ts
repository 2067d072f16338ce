import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SyncPolicy } from './sync-policy.ts';

test('syncs at start, before a kind switch and when idle, never between batches of one kind', () => {
  const s = new SyncPolicy();
  assert.equal(s.needsSyncBefore('spam'), true, 'a crash may have left a journal');
  s.synced();
  assert.equal(s.needsSyncBefore('spam'), false);
  assert.equal(s.needsSyncWhenIdle(), false);
  s.learned('spam');
  assert.equal(s.needsSyncBefore('spam'), false);
  assert.equal(s.needsSyncBefore('ham'), true);
  assert.equal(s.needsSyncWhenIdle(), true);
  s.synced();
  assert.equal(s.needsSyncBefore('ham'), false);
});
