import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MailLogEvent } from '@mta/shared';
import { Tally } from './policy.ts';

const c = { authFailures: 3, rejects: 4, windowMs: 60_000 };
const auth: MailLogEvent = { kind: 'auth-failed', daemon: 'postfix', service: 'submission', ip: '192.0.2.1', count: 1 };
const reject: MailLogEvent = { kind: 'reject', service: 'smtpd', ip: '192.0.2.1', stage: 'RCPT', code: 554, reason: 'relay' };

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
  for (let i = 0; i < 10; i++) assert.equal(t.record('192.0.2.3', { ...reject, code: 450 }, i), undefined);
  assert.equal(t.record('192.0.2.3', { ...reject, reason: 'size' }, 11), undefined);
  for (let i = 0; i < 3; i++) assert.equal(t.record('192.0.2.3', reject, 20 + i), undefined);
  assert.match(t.record('192.0.2.3', reject, 30)?.reason ?? '', /^4 refusals within 1 min, last: relay reject$/);
  assert.equal(t.record('192.0.2.4', { kind: 'postscreen', test: 'pregreet', ip: '192.0.2.4' }, 0)?.reason, 'talked before the greeting');
  assert.equal(t.record('192.0.2.5', { kind: 'postscreen', test: 'hangup', ip: '192.0.2.5' }, 0), undefined);
});

test('quiet addresses are forgotten', () => {
  const t = new Tally(c);
  t.record('192.0.2.6', auth, 0);
  t.prune(30_000);
  assert.equal(t.size, 1);
  t.prune(70_000);
  assert.equal(t.size, 0);
});
