import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFleetCert, shouldPublish, toFleetCert } from './fleet.ts';

const info = {
  subject: 'CN=mx',
  issuer: 'CN=ca',
  serial: 'AA',
  fingerprint: 'F',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2026-04-01T00:00:00.000Z',
  sans: ['mx.example.com'],
};

test('a published certificate reads back as an acme.json record for the same checks', () => {
  const c = toFleetCert({ keyPem: 'K', chainPem: 'C', info, resolver: 'le', main: 'mx.example.com' }, 'mx1');
  const e = parseFleetCert(new TextEncoder().encode(JSON.stringify(c)));
  assert.deepEqual(e, {
    resolver: 'le',
    main: 'mx.example.com',
    sans: ['mx.example.com'],
    certPem: 'C',
    keyPem: 'K',
    format: 'v2',
    serial: 'AA',
    notAfter: info.notAfter,
    from: 'mx1',
  });
  assert.equal(parseFleetCert(new TextEncoder().encode('{"main":"x"}')), undefined);
  assert.equal(parseFleetCert(new TextEncoder().encode('not json')), undefined);
});

test('a node publishes unless the bucket has the same or a later certificate', () => {
  assert.equal(shouldPublish(undefined, info), true);
  assert.equal(shouldPublish({ serial: 'AA', notAfter: info.notAfter }, info), false);
  assert.equal(shouldPublish({ serial: 'BB', notAfter: '2026-05-01T00:00:00.000Z' }, info), false);
  assert.equal(shouldPublish({ serial: 'BB', notAfter: '2026-02-01T00:00:00.000Z' }, info), true);
  assert.equal(shouldPublish({ serial: 'BB', notAfter: '' }, info), true);
});
