import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailLog } from '@mta/shared';
import { createFamilies } from './families.ts';
import { render } from './registry.ts';
import { countLogEvent } from './traffic.ts';

const smtp = (text: string) => `Dec 07 18:20:01 mx postfix/smtp[4242]: ${text}`;

test('outgoing TLS is counted by class, DANE deferrals included, never by destination', () => {
  const f = createFamilies();
  for (const l of [
    smtp('Verified TLS connection established to mx1.dane.test[127.0.0.21]:25: TLSv1.3 with cipher X'),
    smtp('Untrusted TLS connection established to mx3.plain.test[127.0.0.23]:25: TLSv1.3 with cipher X'),
    smtp(
      '4F1A2: to=<user@bad.dane.test>, relay=mx2.dane.test[127.0.0.22]:25, delay=0.1, delays=0/0/0.1/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
    ),
  ]) {
    const e = parseMailLog(l);
    assert.ok(e, l);
    countLogEvent(f, e);
  }
  const text = render([f.outboundTls, f.tlsPolicyDeferrals, f.deliveries]);
  assert.match(text, /^mta_postfix_outbound_tls_connections_total\{trust="verified"\} 1$/m);
  assert.match(text, /^mta_postfix_outbound_tls_connections_total\{trust="untrusted"\} 1$/m);
  assert.match(text, /^mta_postfix_tls_policy_deferrals_total\{reason="certificate"\} 1$/m);
  assert.match(text, /status="deferred"\} 1$/m);
  assert.doesNotMatch(text, /dane\.test|plain\.test/);
});
