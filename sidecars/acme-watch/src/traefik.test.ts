import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { acmeV1, acmeV2, type Issued, issue, makeCa } from '@mta/acme-watch/testing';
import { parseAcmeJson } from './traefik.ts';

describe('parseAcmeJson', () => {
  let leaf: Issued;
  before(() => {
    leaf = issue(makeCa(), { cn: 'mx.example.com' });
  });

  it('reads v1 files (Domain.Main/SANs, Certificate, Key)', () => {
    const [e, ...rest] = parseAcmeJson(acmeV1([{ main: 'example.com', sans: ['mx.example.com'], cert: leaf }]));
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { resolver: e?.resolver, main: e?.main, sans: e?.sans, format: e?.format },
      { resolver: undefined, main: 'example.com', sans: ['mx.example.com'], format: 'v1' },
    );
    assert.equal(e?.certPem, leaf.chainPem.replace(/\r\n/g, '\n').trim());
    assert.equal(e?.keyPem, leaf.keyPem.trim());
  });

  it('reads v2 and v3 files with several resolvers', () => {
    for (const v of ['v2', 'v3'] as const) {
      const es = parseAcmeJson(acmeV2({ le: [{ main: 'mx.example.com', sans: ['*.example.com'], cert: leaf }], other: [] }, v));
      assert.equal(es.length, 1);
      assert.deepEqual([es[0]?.resolver, es[0]?.main, es[0]?.sans], ['le', 'mx.example.com', ['*.example.com']]);
      assert.ok(es[0]?.certPem.startsWith('-----BEGIN CERTIFICATE-----'));
    }
  });

  it('accepts null Certificates and missing sans', () => {
    assert.deepEqual(parseAcmeJson(acmeV1(null)), []);
    assert.deepEqual(parseAcmeJson(acmeV2({ le: null })), []);
    assert.deepEqual(parseAcmeJson(acmeV2({ le: [{ main: 'mx.example.com', cert: leaf }] }))[0]?.sans, []);
    assert.deepEqual(parseAcmeJson('{"le":{"Account":null}}'), []);
  });

  it('treats an empty file as no certificates and {} as no resolvers', () => {
    assert.deepEqual(parseAcmeJson(''), []);
    assert.deepEqual(parseAcmeJson('{}'), []);
  });

  it('rejects broken JSON and unknown shapes with a clear message', () => {
    assert.throws(() => parseAcmeJson('{"le": {"Certif', '/acme/acme.json'), /\/acme\/acme\.json: not valid JSON/);
    assert.throws(() => parseAcmeJson('[1,2]'), /expected a JSON object/);
    // The parser's message may quote the input (base64 keys): it must not reach our error.
    assert.throws(
      () => parseAcmeJson('{"key": LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t}'),
      (e: Error) => /not valid JSON \(\d+ bytes\)$/.test(e.message) && !e.message.includes('LS0t'),
    );
    assert.throws(() => parseAcmeJson('{"foo": {"bar": 1}}'), /unknown format: key "foo"/);
    assert.throws(() => parseAcmeJson('{"Certificates": {}}'), /Certificates is not a list/);
  });
});
