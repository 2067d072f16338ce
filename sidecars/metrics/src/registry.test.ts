import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { countSidecarEvent, fleetGauges } from './bus-events.ts';
import { createFamilies, SPECS } from './families.ts';
import { type Family, render } from './registry.ts';
import { countLogEvent } from './traffic.ts';

// Every family with a series, as a busy server would have them.
function busy() {
  const f = createFamilies();
  countLogEvent(f, { kind: 'received', service: 'smtpd', queueId: 'A' });
  countLogEvent(f, { kind: 'received', service: 'weird"service\n', queueId: 'B' });
  countLogEvent(f, { kind: 'delivery', queueId: 'A', status: 'sent', internal: false });
  countLogEvent(f, { kind: 'delivery', queueId: 'A', status: 'sent', internal: true });
  countLogEvent(f, { kind: 'delivery', queueId: 'C', status: 'deferred', internal: false, tlsPolicy: 'not-offered' });
  countLogEvent(f, { kind: 'tls-connection', trust: 'verified' });
  countLogEvent(f, { kind: 'reject', service: 'smtpd', ip: '192.0.2.1', stage: 'RCPT', code: 554, reason: 'relay', key: 'k' });
  countLogEvent(f, { kind: 'postscreen', test: 'pregreet', ip: '192.0.2.1' });
  countLogEvent(f, { kind: 'rate-limit', service: 'smtpd', ip: '192.0.2.1', limit: 'connection rate' });
  countLogEvent(f, { kind: 'auth-failed', daemon: 'dovecot', service: 'imap', ip: '192.0.2.1', count: 3 });
  countLogEvent(f, { kind: 'verdict', verdict: 'virus', blocked: true, ms: 1234 });
  countLogEvent(f, { kind: 'scanner-error', all: false });
  const ev = (event: string, data: Record<string, unknown>) => countSidecarEvent(f, { sidecar: 'x', event, data });
  ev('spamd.learned', { kind: 'spam', count: 4, failed: 1, durationMs: 2500 });
  ev('spamd.retry', { kind: 'ham', count: 2 });
  ev('acme.cert.rejected', { reason: 'expired on 2020-01-01' });
  ev('submission.refused', { reason: 'not-owned', field: 'from', login: 'alice', address: 'boss@192.0.2.1' });
  ev('submission.refused', { reason: 'boss@other.test', field: 'X-From' });
  ev('submission.deferred', { reason: 'check-unavailable' });
  ev('guard.banned', { origin: 'fleet', ip: '192.0.2.1' });
  ev('guard.capped', { cap: 'per-minute', refused: 7 });
  ev('mtasts.fetched', { mode: 'enforce', domain: 'dest.example', changed: true });
  ev('mtasts.fetch_failed', { failure: 'tls', domain: 'dest.example', reason: 'mta-sts.dest.example: CERT_HAS_EXPIRED' });
  ev('mtasts.fetch_failed', { failure: 'mta-sts.dest.example' });
  ev('mtasts.policy', { answer: 'dane', domain: 'dest.example' });
  fleetGauges(f, new Map([['UMX2', 0]]), 30_000);
  f.queue.set({ queue: 'deferred' }, 2);
  f.oldestDeferred.set({}, 60);
  f.certExpiry.set({}, 3_672_000);
  f.certNotAfter.set({}, 1_900_000_000);
  f.certRotated.set({}, 1_800_000_000);
  f.dkimKeys.set({ domain: 'example.com' }, 1);
  f.dkimPublished.set({ domain: 'example.com', selector: 'default' }, -1);
  f.serviceUp.set({ service: 'postfix' }, 1);
  f.serviceRestarts.inc({ service: 'postfix' }, 0);
  f.buildInfo.set({ version: '0.1.0', variant: 'full' }, 1);
  return f;
}

test('no label carries an address or free text: unknown values become "other"', () => {
  const text = render(Object.values(busy()) as Family[]);
  assert.doesNotMatch(text, /192\.0\.2\.1/);
  assert.match(text, /^mta_postfix_messages_received_total\{service="other"\} 1$/m);
  assert.match(text, /^mta_postfix_deliveries_total\{status="sent"\} 1$/m, 'the filter hop is not counted');
  assert.match(text, /^mta_auth_failures_total\{daemon="dovecot",service="imap"\} 3$/m);
  assert.match(text, /^mta_amavis_scan_seconds_bucket\{le="2\.5"\} 1$/m);
  assert.match(text, /^mta_acme_rejected_certificates_total\{reason="expired"\} 1$/m);
  assert.match(text, /^mta_spamd_failed_messages_total\{kind="spam"\} 1$/m);
  assert.match(text, /^mta_submission_refused_messages_total\{reason="not-owned",field="from"\} 1$/m);
  assert.match(text, /^mta_submission_refused_messages_total\{reason="other",field="none"\} 1$/m);
  assert.match(text, /^mta_submission_deferred_messages_total\{reason="check-unavailable"\} 1$/m);
  assert.doesNotMatch(text, /alice|other\.test/);
  assert.match(text, /^mta_mtasts_policy_fetches_total\{result="enforce"\} 1$/m);
  assert.match(text, /^mta_mtasts_policy_fetches_total\{result="tls"\} 1$/m);
  assert.match(text, /^mta_mtasts_policy_fetches_total\{result="other"\} 1$/m);
  assert.match(text, /^mta_postfix_outbound_tls_connections_total\{trust="verified"\} 1$/m);
  assert.match(text, /^mta_postfix_tls_policy_deferrals_total\{reason="not-offered"\} 1$/m);
  assert.match(text, /^mta_mtasts_policy_changes_total\{answer="dane"\} 1$/m);
  assert.doesNotMatch(text, /dest\.example/);
  assert.match(text, /^mta_spamd_failed_messages_total\{kind="ham"\} 2$/m);
  assert.match(text, /^mta_fleet_peers 1$/m);
  assert.match(text, /^mta_fleet_last_sync_age_seconds 30$/m);
  for (const s of Object.values(SPECS)) assert.match(text, new RegExp(`^# HELP ${s.name}${s.kind === 'counter' ? '_total' : ''} `, 'm'));
});

test('promtool check metrics passes on the text format; OpenMetrics ends with # EOF', () => {
  const f = busy();
  const text = render(Object.values(f) as Family[]);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint findings');
  const om = render(Object.values(f) as Family[], true);
  assert.match(om, /^# TYPE mta_postfix_rejects counter$/m);
  assert.match(om, /^mta_postfix_rejects_total\{reason="relay",code_class="5xx"\} 1$/m);
  assert.match(om, /# EOF\n$/);
});
