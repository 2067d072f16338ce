import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MailLogEvent } from '@mta/shared';
import { Tally } from './policy.ts';

const c = { authFailures: 3, rejects: 4, windowMs: 60_000 };
const auth: MailLogEvent = { kind: 'auth-failed', daemon: 'postfix', service: 'submission', ip: '192.0.2.1', count: 1 };
const reject = (over: Partial<Extract<MailLogEvent, { kind: 'reject' }>> = {}): MailLogEvent => ({
  kind: 'reject',
  service: 'smtpd',
  ip: '192.0.2.1',
  stage: 'RCPT',
  code: 554,
  reason: 'relay',
  key: '<x@elsewhere.test>: Relay access denied',
  ...over,
});
const unknown = (n: number) => reject({ code: 550, reason: 'unknown-recipient', key: `<u${n}@example.com>: Recipient address rejected` });
const bye = (ip: string, rcptAccepted: number, rcptTotal: number): MailLogEvent => ({
  kind: 'disconnect',
  service: 'smtpd',
  ip,
  rcptAccepted,
  rcptTotal,
});
const received = (ip: string): MailLogEvent => ({ kind: 'received', service: 'smtpd', queueId: 'Q', ip });

test('the N-th failed login within the window bans; older ones fall out of it', () => {
  const t = new Tally(c);
  assert.equal(t.record('192.0.2.1', auth, 0), undefined);
  assert.equal(t.record('192.0.2.1', auth, 30_000), undefined);
  // the first falls out of the window: still two
  assert.equal(t.record('192.0.2.1', auth, 61_000), undefined);
  const o = t.record('192.0.2.1', auth, 62_000);
  assert.equal(o?.kind, 'auth');
  assert.match(o?.reason ?? '', /^3 failed logins within 1 min, last: failed login \(submission\)$/);
  // counting starts over after a ban
  assert.equal(t.record('192.0.2.1', auth, 63_000), undefined);
});

test('a dovecot session with several failed attempts counts each', () => {
  const t = new Tally(c);
  assert.equal(t.record('192.0.2.2', { ...auth, daemon: 'dovecot', service: 'imap', count: 3 }, 0)?.kind, 'auth');
});

test('refusals: 5xx rejects count, 4xx and size rejects do not; a pregreet bans at once', () => {
  const t = new Tally(c);
  for (let i = 0; i < 10; i++) assert.equal(t.record('192.0.2.3', reject({ code: 450 }), i), undefined);
  assert.equal(t.record('192.0.2.3', reject({ reason: 'size', code: 552 }), 11), undefined);
  for (let i = 0; i < 3; i++) assert.equal(t.record('192.0.2.3', reject(), 20 + i), undefined);
  assert.match(t.record('192.0.2.3', reject(), 30)?.reason ?? '', /^4 refusals within 1 min, last: relay reject$/);
  assert.equal(t.record('192.0.2.4', { kind: 'postscreen', test: 'pregreet', ip: '192.0.2.4' }, 0)?.reason, 'talked before the greeting');
  assert.equal(t.record('192.0.2.5', { kind: 'postscreen', test: 'hangup', ip: '192.0.2.5' }, 0), undefined);
});

test('unknown recipients: a harvest (distinct ones, none accepted) bans when its session ends', () => {
  const t = new Tally(c);
  for (let i = 0; i < 3; i++) assert.equal(t.record('192.0.2.6', unknown(i), i), undefined);
  assert.equal(t.record('192.0.2.6', bye('192.0.2.6', 0, 3), 5), undefined, 'three distinct: below the threshold');
  // the same address again is not a new one; a fourth distinct one is
  assert.equal(t.record('192.0.2.6', unknown(2), 10), undefined);
  assert.equal(t.record('192.0.2.6', bye('192.0.2.6', 0, 1), 11), undefined);
  assert.equal(t.record('192.0.2.6', unknown(3), 20), undefined, 'judged at the end of the session, not per reject');
  const o = t.record('192.0.2.6', bye('192.0.2.6', 0, 1), 21);
  assert.equal(o?.kind, 'harvest');
  assert.equal(o?.reason, '4 unknown recipients within 1 min, none accepted');
});

test('unknown recipients never ban a client that had recipients accepted in the window', () => {
  const t = new Tally(c);
  // a list server: stale addresses first, then one that exists, in one session
  for (let i = 0; i < 20; i++) t.record('192.0.2.7', unknown(i), i);
  assert.equal(t.record('192.0.2.7', received('192.0.2.7'), 25), undefined);
  assert.equal(t.record('192.0.2.7', bye('192.0.2.7', 1, 21), 26), undefined);
  // a later session of only stale addresses, within the window: still a server we take mail from
  for (let i = 20; i < 40; i++) t.record('192.0.2.7', unknown(i), 30_000 + i);
  assert.equal(t.record('192.0.2.7', bye('192.0.2.7', 0, 20), 30_100), undefined);
  // a whole session's worth of stale addresses whose only accepted recipient comes in the counters
  const s = new Tally(c);
  for (let i = 0; i < 20; i++) s.record('192.0.2.8', unknown(i), i);
  assert.equal(s.record('192.0.2.8', bye('192.0.2.8', 5, 25), 30), undefined);
  // once the accepted ones are out of the window, a harvest counts again
  for (let i = 0; i < 4; i++) s.record('192.0.2.8', unknown(100 + i), 100_000 + i);
  assert.equal(s.record('192.0.2.8', bye('192.0.2.8', 0, 4), 100_010)?.kind, 'harvest');
});

test('quiet addresses are forgotten', () => {
  const t = new Tally(c);
  t.record('192.0.2.6', auth, 0);
  t.record('192.0.2.9', received('192.0.2.9'), 0);
  t.prune(30_000);
  assert.equal(t.size, 2);
  t.prune(70_000);
  assert.equal(t.size, 0);
});
