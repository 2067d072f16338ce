import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Attempt, Failure } from './datagram.ts';
import { gzipReport, reportMail } from './message.ts';
import { MAX_FAILURE_DETAILS, tlsReport } from './report.ts';
import { entriesFromJson, Tally } from './tally.ts';

const STS = { type: 'sts' as const, domain: 'example.net', strings: ['version: STSv1', 'mode: enforce'], mx: ['mx.example.net'] };
const ok = (d = 'example.net'): Attempt => ({ domain: d, results: [{ policy: { ...STS, domain: d }, ok: true, failures: [] }] });
const bad = (f: Partial<Failure> = {}): Attempt => ({
  domain: 'example.net',
  results: [
    {
      policy: STS,
      ok: false,
      failures: [{ result: 'certificate-host-mismatch', receivingIp: '192.0.2.25', mxHost: 'mx.example.net', ...f }],
    },
  ],
});
const reporter = { org: 'Example Mail', email: 'tls-reports@example.com', node: 'mx1' };

test('a day of sessions: counted per recipient domain and policy, failures by what they share; merged batches add up', () => {
  const a = new Tally();
  for (const x of [ok(), ok(), bad(), ok('other.example')]) a.add(x);
  const b = new Tally();
  for (const x of [ok(), bad(), bad({ receivingIp: '192.0.2.26' })]) b.add(x);
  // Through JSON (as on /srv and in a fleet entry) and back.
  const day = new Tally();
  for (const t of [a, b]) day.merge(entriesFromJson(JSON.parse(JSON.stringify(t.entries()))).entries);
  const r = tlsReport('example.net', '2026-01-01', day.entries(), reporter);
  assert.ok(r);
  assert.deepEqual(r, {
    'organization-name': 'Example Mail',
    'date-range': { 'start-datetime': '2026-01-01T00:00:00Z', 'end-datetime': '2026-01-01T23:59:59Z' },
    'contact-info': 'tls-reports@example.com',
    'report-id': '2026-01-01.example.net.mx1@example.com',
    policies: [
      {
        policy: {
          'policy-type': 'sts',
          'policy-string': ['version: STSv1', 'mode: enforce'],
          'policy-domain': 'example.net',
          'mx-host': ['mx.example.net'],
        },
        summary: { 'total-successful-session-count': 3, 'total-failure-session-count': 3 },
        'failure-details': [
          {
            'result-type': 'certificate-host-mismatch',
            'receiving-mx-hostname': 'mx.example.net',
            'receiving-ip': '192.0.2.25',
            'failed-session-count': 2,
          },
          {
            'result-type': 'certificate-host-mismatch',
            'receiving-mx-hostname': 'mx.example.net',
            'receiving-ip': '192.0.2.26',
            'failed-session-count': 1,
          },
        ],
      },
    ],
  });
  // Another domain's sessions are not in it; a domain without sessions has no report.
  assert.equal(tlsReport('other.example', '2026-01-01', day.entries(), reporter)?.policies.length, 1);
  assert.equal(tlsReport('none.example', '2026-01-01', day.entries(), reporter), undefined);
});

test('a report is bounded: a flood of distinct failures makes at most MAX_FAILURE_DETAILS entries, the counts stay whole', () => {
  const t = new Tally();
  for (let i = 0; i < 300; i++) t.add(bad({ helo: `h${i}.example` }));
  const r = tlsReport('example.net', '2026-01-01', t.entries(), reporter);
  assert.equal(r?.policies[0]?.summary['total-failure-session-count'], 300);
  assert.equal(r?.policies[0]?.['failure-details']?.length, MAX_FAILURE_DETAILS);
});

test('stored or fleet entries out of shape are dropped whole', () => {
  const good = new Tally();
  good.add(bad());
  const [e] = good.entries();
  const broken = [
    { ...e, d: 'not a domain!' },
    { ...e, ok: -1 },
    { ...e, policy: { ...e?.policy, type: 'dane' } },
    { ...e, details: [{ result: 'made-up', n: 1 }] },
    { ...e, details: [{ result: 'certificate-expired', n: 1, receivingIp: 'x' }] },
  ];
  const r = entriesFromJson([e, ...broken]);
  assert.equal(r.entries.length, 1);
  assert.equal(r.dropped, broken.length);
  assert.deepEqual(entriesFromJson({ not: 'a list' }), { entries: [], dropped: 1 });
});

test('RFC 8460 §5.3 mail: subject, TLS-Report-Domain/-Submitter, multipart/report tlsrpt, application/tlsrpt+gzip', () => {
  const t = new Tally();
  t.add(ok());
  const r = tlsReport('example.net', '2026-01-01', t.entries(), reporter);
  assert.ok(r);
  const raw = reportMail('example.net', '2026-01-01', r, gzipReport(r), reporter, 'tls@example.net', new Date(0));
  const [head = '', ...parts] = raw.split('\r\n\r\n');
  assert.match(
    head,
    /^Subject: Report Domain: example\.net Submitter: example\.com Report-ID: <2026-01-01\.example\.net\.mx1@example\.com>$/m,
  );
  assert.match(head, /^TLS-Report-Domain: example\.net$/m);
  assert.match(head, /^TLS-Report-Submitter: example\.com$/m);
  assert.match(head, /^Content-Type: multipart\/report; report-type="tlsrpt"; boundary=/m);
  const body = parts.join('\r\n\r\n');
  assert.match(body, /Content-Type: application\/tlsrpt\+gzip; name="example\.com!example\.net!1767225600!1767311999!mx1\.json\.gz"/);
  const b64 = body.split('Content-Disposition: attachment')[1]?.split('\r\n\r\n')[1]?.split('--')[0]?.replace(/\s/g, '') ?? '';
  assert.deepEqual(JSON.parse(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8')), r);
});
