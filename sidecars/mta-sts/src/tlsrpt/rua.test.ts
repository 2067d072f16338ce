import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTlsRptRecord } from './rua.ts';

test('_smtp._tls: exactly one v=TLSRPTv1 record; its mailto: and https: destinations, checked, at most three', () => {
  assert.deepEqual(parseTlsRptRecord(['v=TLSRPTv1; rua=mailto:tls@example.net,https://reports.example.net/tlsrpt']), [
    { kind: 'mailto', address: 'tls@example.net' },
    { kind: 'https', url: 'https://reports.example.net/tlsrpt' },
  ]);
  assert.deepEqual(parseTlsRptRecord(['v=spf1 -all', 'v=TLSRPTv1;rua=mailto:a@example.net']), [
    { kind: 'mailto', address: 'a@example.net' },
  ]);
  // Two TLSRPT records, none, or no rua: no reports.
  assert.deepEqual(parseTlsRptRecord(['v=TLSRPTv1; rua=mailto:a@x.example', 'v=TLSRPTv1; rua=mailto:b@x.example']), []);
  assert.deepEqual(parseTlsRptRecord([]), []);
  assert.deepEqual(parseTlsRptRecord(['v=TLSRPTv1;']), []);
  assert.deepEqual(parseTlsRptRecord(['v=TLSRPTv2; rua=mailto:a@x.example']), []);
});

test('hostile rua values: header injection, plain http, credentials, bad escapes and floods are dropped', () => {
  assert.deepEqual(
    parseTlsRptRecord([
      'v=TLSRPTv1; rua=mailto:a@x.example%0d%0aBcc:%20v@y.example,mailto:%E0%A4%A,http://x.example/r,https://u:p@x.example/r,mailto:<a@x.example>',
    ]),
    [],
  );
  const many = Array.from({ length: 10 }, (_, i) => `mailto:r${i}@x.example`).join(',');
  assert.equal(parseTlsRptRecord([`v=TLSRPTv1; rua=${many},mailto:r0@x.example`]).length, 3);
});
