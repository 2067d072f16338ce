import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_DATAGRAM, parseDatagram } from './datagram.ts';

// As libtlsrpt writes them (libtlsrpt.c: a success, then a failure with every detail field).
const STS_OK =
  '{"dpv": "1","d": "example.net","pr": "v=TLSRPTv1; rua=mailto:tls@example.net","policies":[{"policy-type":2,"policy-domain": "example.net","policy-string":["version: STSv1","mode: enforce","mx: mx.example.net","max_age: 86400"],"mx-host":["mx.example.net"],"t":0,"f":0}]}';
const STS_FAIL =
  '{"dpv": "1","d": "Example.NET.","pr": "v=TLSRPTv1; rua=mailto:tls@example.net","policies":[{"policy-type":2,"policy-domain": "example.net","policy-string":["version: STSv1"],"mx-host":["*.example.net"],"failure-details":[{"c":202,"s": "192.0.2.1","n": "mx.example.net","h": "evil.example","r": "198.51.100.25","a": "no name matched","f": "X509_V_ERR"}],"t":1,"f":1}]}';
const parse = (s: string) => parseDatagram(Buffer.from(s));

test("libtlsrpt's datagrams: policy type, strings, MX patterns, success or the failure's RFC 8460 result type", () => {
  const ok = parse(STS_OK);
  assert.ok(ok.ok);
  assert.deepEqual(ok.attempt, {
    domain: 'example.net',
    results: [
      {
        policy: {
          type: 'sts',
          domain: 'example.net',
          strings: ['version: STSv1', 'mode: enforce', 'mx: mx.example.net', 'max_age: 86400'],
          mx: ['mx.example.net'],
        },
        ok: true,
        failures: [],
      },
    ],
  });
  const fail = parse(STS_FAIL);
  assert.ok(fail.ok);
  assert.equal(fail.attempt.domain, 'example.net');
  assert.deepEqual(fail.attempt.results[0]?.failures, [
    {
      result: 'certificate-host-mismatch',
      sendingIp: '192.0.2.1',
      mxHost: 'mx.example.net',
      helo: 'evil.example',
      receivingIp: '198.51.100.25',
      info: 'no name matched',
      code: 'X509_V_ERR',
    },
  ]);
  // libtlsrpt before 0.5.0 (trixie's 0.5.0rc1): the same, without "dpv".
  assert.deepEqual(parse(STS_OK.replace('"dpv": "1",', '')), ok);
  // DANE (tlsa) and no policy: no MX patterns are kept for them; an unknown failure code is a validation-failure.
  const dane = parse(
    '{"dpv":"1","d":"d.example","policies":[{"policy-type":1,"policy-string":["3 1 1 AB"],"mx-host":["x.example"],"failure-details":[{"c":999}],"t":1,"f":1}]}',
  );
  assert.ok(dane.ok);
  assert.deepEqual(dane.attempt.results[0]?.policy, { type: 'tlsa', domain: 'd.example', strings: ['3 1 1 AB'], mx: [] });
  assert.equal(dane.attempt.results[0]?.failures[0]?.result, 'validation-failure');
});

test('hostile datagrams: refused whole, or their remote-chosen text bounded and made printable', () => {
  for (const bad of [
    'not json',
    '[]',
    '{"dpv":"2","d":"a.example","policies":[{"policy-type":2,"t":0,"f":0}]}',
    '{"dpv":"1","d":"a b.example","policies":[{"policy-type":2,"t":0,"f":0}]}',
    '{"dpv":"1","d":"a.example","policies":[]}',
    '{"dpv":"1","d":"a.example","policies":[{"policy-type":7,"t":0,"f":0}]}',
    '{"dpv":"1","d":"a.example","policies":[{"policy-type":2,"t":0,"f":"0"}]}',
    '{"dpv":"1","d":"a.example","policies":[{"policy-type":2,"policy-domain":"../../etc","t":0,"f":0}]}',
    '{"dpv":"1","d":"a.example","policies":[{"policy-type":2,"t":0,"f":0},{"policy-type":2,"t":0,"f":0},{"policy-type":2,"t":0,"f":0},{"policy-type":2,"t":0,"f":0},{"policy-type":2,"t":0,"f":0}]}',
  ])
    assert.equal(parse(bad).ok, false, bad);
  assert.deepEqual(parseDatagram(Buffer.alloc(MAX_DATAGRAM + 1, 0x20)), { ok: false, reason: 'too large' });
  // A HELO name with a line break and quotes, an MX "name" that is not one, an address that is not one, and far too
  // many failures: the break and non-ASCII become "?", the bad fields are dropped, the list is cut.
  const failure = { c: 203, h: 'mx\r\nBcc: x@evil "\u00e9', n: 'not a host!', s: '1.2.3', a: 'x'.repeat(1000) };
  const r = parse(
    JSON.stringify({ dpv: '1', d: 'a.example', policies: [{ 'policy-type': 9, 'failure-details': Array(50).fill(failure), t: 50, f: 1 }] }),
  );
  assert.ok(r.ok);
  const fs = r.attempt.results[0]?.failures ?? [];
  assert.equal(fs.length, 8);
  assert.deepEqual(Object.keys(fs[0] ?? {}).sort(), ['helo', 'info', 'result']);
  assert.equal(fs[0]?.helo, 'mx??Bcc: x@evil "?');
  assert.equal(fs[0]?.info?.length, 255);
  // Invalid UTF-8 parses (replaced), never throws.
  assert.equal(parseDatagram(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).ok, false);
});
