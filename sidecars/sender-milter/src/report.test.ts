import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bus, createLogger } from '@mta/shared';
import { Reporter } from './report.ts';

test('a refusal: one log line with login and address for the operator, a bus event with classes and counts only', () => {
  const lines: string[] = [];
  const log = createLogger({
    sidecar: 'sender-milter',
    node: 'n1',
    syslogLevel: 7,
    destination: { write: (s: string) => void lines.push(s) },
  });
  const published: [string, Record<string, unknown>][] = [];
  const bus = { publish: (s: string, p: Record<string, unknown>) => void published.push([s, p]) } as unknown as Bus;
  const r = new Reporter(log, bus);
  const refused = {
    verdict: { action: 'reject', code: 550, dsn: '5.7.1', text: 'x' },
    reason: 'not-owned',
    field: 'from',
    address: 'boss@b.test',
    detail: '553 5.7.1 not owned',
  } as const;
  r.report(refused, 'alice', 'Q1');
  r.report(refused, 'alice', 'Q2');
  r.report(
    { verdict: { action: 'tempfail', code: 451, dsn: '4.7.1', text: 'y' }, reason: 'check-unavailable', detail: 'socket gone' },
    'bob',
    'Q3',
  );
  r.report({ verdict: { action: 'accept' } }, 'alice', 'Q4');
  assert.deepEqual(published, [
    ['mta.submission.refused', { reason: 'not-owned', field: 'from', total: 1 }],
    ['mta.submission.refused', { reason: 'not-owned', field: 'from', total: 2 }],
    ['mta.submission.deferred', { reason: 'check-unavailable', field: null, total: 1 }],
  ]);
  const first = JSON.parse(lines[0] ?? '{}');
  assert.equal(first.event, 'submission.refused');
  assert.equal(first.login, 'alice');
  assert.equal(first.address, 'boss@b.test');
  assert.equal(JSON.parse(lines[2] ?? '{}').level, 'warn');
  assert.equal(lines.length, 3);
  assert.deepEqual(r.counts(), { 'not-owned': 2, 'check-unavailable': 1 });
});
