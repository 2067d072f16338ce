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

test('a batch merges the journal in its own run after a start, at a switch of kind, and when it is the last one', () => {
  const s = new SyncPolicy();
  assert.equal(s.syncsWith('spam', false), true, 'a crash may have left a journal');
  s.learned('spam');
  s.synced();
  assert.equal(s.syncsWith('spam', false), false, 'more of its kind waits: the journal');
  assert.equal(s.syncsWith('spam', true), true, 'nothing else waits: no idle sync needed after it');
  s.learned('spam');
  assert.equal(s.syncsWith('ham', false), true);
});
