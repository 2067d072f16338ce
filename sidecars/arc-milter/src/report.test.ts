import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bus, Logger } from '@mta/shared';
import { Reporter } from './report.ts';

function fakes() {
  const lines: { level: string; fields: Record<string, unknown> }[] = [];
  const published: { subject: string; data: unknown }[] = [];
  const log = {
    info: (fields: Record<string, unknown>) => lines.push({ level: 'info', fields }),
    warn: (fields: Record<string, unknown>) => lines.push({ level: 'warn', fields }),
  } as unknown as Logger;
  const bus = { publish: (subject: string, data: unknown) => published.push({ subject, data }) } as unknown as Bus;
  return { lines, published, reporter: new Reporter(log, bus) };
}

test('an override: one log line and one bus event, with the trusted sealer and the From domain', () => {
  const f = fakes();
  const accept = { action: 'accept' as const };
  f.reporter.enforced({ kind: 'override', sealer: 'lists.example.org', domain: 'bank.example', policy: 'reject', verdict: accept }, 'Q1');
  f.reporter.enforced({ kind: 'none', verdict: accept }, 'Q2');
  assert.deepEqual(
    f.lines.map((l) => l.fields.event),
    ['arc.override'],
  );
  assert.deepEqual(f.published, [
    { subject: 'mta.dmarc.arc-override', data: { queueId: 'Q1', sealer: 'lists.example.org', domain: 'bank.example', policy: 'reject' } },
  ]);
});

test('verdicts: the result and reason; domains only with a trusted sealer', () => {
  const f = fakes();
  const accept = { action: 'accept' as const };
  f.reporter.verified({ arc: { result: 'fail', reason: 'ams.1 body changed' }, removed: 1, verdict: accept }, 'Q1');
  f.reporter.verified(
    {
      arc: { result: 'pass', sets: [{ i: 1, sealer: 'untrusted.example' }], newestResults: '', oldestPass: 0 },
      removed: 0,
      verdict: accept,
    },
    'Q2',
  );
  assert.deepEqual(f.lines[0]?.fields, {
    event: 'arc.verdict',
    queueId: 'Q1',
    result: 'fail',
    reason: 'ams.1 body changed',
    removedHeaders: 1,
  });
  assert.deepEqual(f.lines[1]?.fields, { event: 'arc.verdict', queueId: 'Q2', result: 'pass', sets: 1 });
  assert.equal(f.published.length, 0);
});
