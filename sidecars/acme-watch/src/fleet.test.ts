import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// A self-signed certificate from openssl (no test fixtures in unit tests).
function selfSigned(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mta-fleetcert-'));
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30'],
        ...['-subj', '/CN=mx.example.com', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')],
      ],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(dir, 'c'), 'utf8'), key: readFileSync(join(dir, 'k'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a published certificate reads back as an acme.json record; serial and expiry come from the certificate', () => {
  const { cert, key } = selfSigned();
  const leaf = new X509Certificate(cert);
  // The record claims another serial and a far expiry: both are ignored.
  const c = {
    ...toFleetCert({ keyPem: key, chainPem: cert, info, resolver: 'le', main: 'mx.example.com' }, 'mx1'),
    notAfter: '2099-01-01T00:00:00.000Z',
  };
  const e = parseFleetCert(new TextEncoder().encode(JSON.stringify(c)));
  assert.deepEqual(e, {
    resolver: 'le',
    main: 'mx.example.com',
    sans: ['mx.example.com'],
    certPem: cert,
    keyPem: key,
    format: 'v2',
    serial: leaf.serialNumber.toUpperCase(),
    notAfter: new Date(leaf.validTo).toISOString(),
    from: 'mx1',
  });
  assert.equal(parseFleetCert(new TextEncoder().encode('{"main":"x"}')), undefined);
  assert.equal(parseFleetCert(new TextEncoder().encode(JSON.stringify({ ...c, chainPem: 'C' }))), undefined);
  assert.equal(parseFleetCert(new TextEncoder().encode('not json')), undefined);
});

test('a node publishes unless the bucket has the same or a later certificate', () => {
  assert.equal(shouldPublish(undefined, info), true);
  assert.equal(shouldPublish({ serial: 'AA', notAfter: info.notAfter }, info), false);
  assert.equal(shouldPublish({ serial: 'BB', notAfter: '2026-05-01T00:00:00.000Z' }, info), false);
  assert.equal(shouldPublish({ serial: 'BB', notAfter: '2026-02-01T00:00:00.000Z' }, info), true);
  assert.equal(shouldPublish({ serial: 'BB', notAfter: '' }, info), true);
});
