import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailLog } from './mail-log.ts';

const smtp = (text: string, service = 'smtp') => `Dec 07 18:20:01 mx postfix/${service}/smtp[4242]: ${text}`;

test('outgoing TLS sessions are classed by postfix wording; the peer never appears in the event', () => {
  const cases: [string, string][] = [
    [
      'Verified TLS connection established to mx1.dane.test[127.0.0.21]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'verified',
    ],
    ['Trusted TLS connection established to mx.example.org[192.0.2.1]:25: TLSv1.2 with cipher X', 'trusted'],
    ['Untrusted TLS connection established to mx3.plain.test[127.0.0.23]:25: TLSv1.3 with cipher X', 'untrusted'],
    ['Anonymous TLS connection established to mx.example.org[192.0.2.1]:25: TLSv1.3 with cipher X', 'anonymous'],
  ];
  for (const [text, tls] of cases) assert.deepEqual(parseMailLog(smtp(text)), { kind: 'outbound-tls', tls }, text);
  assert.equal(parseMailLog(smtp('connect to mx.example.org[192.0.2.1]:25: Connection refused')), undefined);
});

test('a deferral for a TLS reason is one delivery carrying its class; a peer quoting the words is not', () => {
  const line = (reason: string) =>
    smtp(
      `4F1A2: to=<user@bad.dane.test>, relay=mx2.dane.test[127.0.0.22]:25, delay=0.1, delays=0/0/0.1/0, dsn=4.7.5, status=deferred (${reason})`,
    );
  assert.deepEqual(parseMailLog(line('Server certificate not verified')), {
    kind: 'delivery',
    queueId: '4F1A2',
    status: 'deferred',
    internal: false,
    tls: 'not-verified',
  });
  assert.equal((parseMailLog(line('TLSA lookup error for mx2.dane.test:25')) as { tls?: string }).tls, 'tlsa-error');
  const said = parseMailLog(line('host mx2.dane.test[127.0.0.22] said: 450 Server certificate not verified (in reply to RCPT TO command)'));
  assert.equal((said as { tls?: string }).tls, undefined);
  // The SRS pass and the filter hop are internal: their sessions are not outgoing mail.
  assert.equal(parseMailLog(smtp('Anonymous TLS connection established to x[127.0.0.1]:10027: TLSv1.3', 'srs')), undefined);
});
