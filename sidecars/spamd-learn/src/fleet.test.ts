import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deliveryTimeMs, fleetFileName, fleetPath, learnLag } from './fleet.ts';

test('the spam and ham copies of one message share a fleet file name', () => {
  const m = new TextEncoder().encode('Subject: x\r\n\r\nbody');
  assert.match(fleetFileName(m), /^[0-9a-f]{64}\.eml$/);
  assert.equal(fleetPath('/in', 'spam', m).replace('/spam/', '/'), fleetPath('/in', 'ham', m).replace('/ham/', '/'));
  assert.notEqual(fleetFileName(m), fleetFileName(new TextEncoder().encode('Subject: y\r\n\r\nbody')));
});

test('stream time and learn lag', () => {
  assert.equal(deliveryTimeMs(1_700_000_000_123_456_789n), 1_700_000_000_123);
  assert.equal(deliveryTimeMs(1_700_000_000_123_456_000), 1_700_000_000_123);
  assert.equal(learnLag(3), 3);
  assert.equal(learnLag(3, { num_pending: 10, num_ack_pending: 2 }), 15);
});
