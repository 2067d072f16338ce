import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { acmeV1, acmeV2, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { DAY_MS } from '@mta/shared';
import { chooseCertificate } from './choose.ts';
import { parseAcmeJson } from './traefik.ts';

const now = new Date();
const names = ['mx.example.com', 'example.com', 'other.org'];

describe('chooseCertificate', () => {
  let ca: TestCa;
  before(() => {
    ca = makeCa();
  });

  it('prefers the full hostname over the domain', () => {
    const apex = issue(ca, { cn: 'example.com' });
    const host = issue(ca, { cn: 'mx.example.com' });
    const es = parseAcmeJson(
      acmeV1([
        { main: 'example.com', cert: apex },
        { main: 'mx.example.com', cert: host },
      ]),
    );
    const c = chooseCertificate(es, { names, now });
    assert.equal(c.chosen?.info?.serial, host.serial);
    assert.equal(c.chosen?.name, 'mx.example.com');
  });

  it('falls back to the domain, then to a mail domain', () => {
    const apex = issue(ca, { cn: 'example.com' });
    const other = issue(ca, { cn: 'other.org' });
    assert.equal(
      chooseCertificate(
        parseAcmeJson(
          acmeV1([
            { main: 'other.org', cert: other },
            { main: 'example.com', cert: apex },
          ]),
        ),
        { names, now },
      ).chosen?.name,
      'example.com',
    );
    assert.equal(chooseCertificate(parseAcmeJson(acmeV1([{ main: 'other.org', cert: other }])), { names, now }).chosen?.name, 'other.org');
  });

  it('uses a wildcard that is only in the sans, for one label only', () => {
    const wild = issue(ca, { cn: 'example.com', sans: ['example.com', '*.example.com'] });
    const es = parseAcmeJson(acmeV2({ le: [{ main: 'example.com', sans: ['*.example.com'], cert: wild }] }));
    assert.equal(chooseCertificate(es, { names, now }).chosen?.name, 'mx.example.com');
    assert.equal(chooseCertificate(es, { names: ['a.b.example.com'], now }).chosen, undefined);
  });

  it('finds the hostname in the certificate when Traefik recorded no sans', () => {
    const both = issue(ca, { cn: 'example.com', sans: ['example.com', 'mx.example.com'] });
    const c = chooseCertificate(parseAcmeJson(acmeV2({ le: [{ main: 'example.com', cert: both }] })), { names, now });
    assert.equal(c.chosen?.name, 'mx.example.com');
  });

  it('skips an expired certificate for the same host and takes the valid one', () => {
    const old = issue(ca, {
      cn: 'mx.example.com',
      notBefore: new Date(now.getTime() - 100 * DAY_MS),
      notAfter: new Date(now.getTime() - DAY_MS),
    });
    const cur = issue(ca, { cn: 'mx.example.com' });
    const c = chooseCertificate(
      parseAcmeJson(
        acmeV1([
          { main: 'mx.example.com', cert: old },
          { main: 'mx.example.com', cert: cur },
        ]),
      ),
      { names, now },
    );
    assert.equal(c.chosen?.info?.serial, cur.serial);
    assert.match(c.rejected[0]?.reason ?? '', /^expired on/);
    assert.equal(c.rejected[0]?.serial, old.serial);
  });

  it('takes the newest notAfter among valid certificates', () => {
    const a = issue(ca, { cn: 'mx.example.com', notAfter: new Date(now.getTime() + 30 * DAY_MS) });
    const b = issue(ca, { cn: 'mx.example.com', notAfter: new Date(now.getTime() + 80 * DAY_MS) });
    const c2 = issue(ca, { cn: 'mx.example.com', notAfter: new Date(now.getTime() + 50 * DAY_MS) });
    const es = parseAcmeJson(
      acmeV2({
        r1: [{ main: 'mx.example.com', cert: a }],
        r2: [
          { main: 'mx.example.com', cert: b },
          { main: 'mx.example.com', cert: c2 },
        ],
      }),
    );
    assert.equal(chooseCertificate(es, { names, now }).chosen?.info?.serial, b.serial);
    assert.equal(chooseCertificate(es, { names, now, resolver: 'r1' }).chosen?.info?.serial, a.serial);
    assert.equal(chooseCertificate(es, { names, now, resolver: 'nope' }).chosen, undefined);
  });

  it('rejects a key that does not match, not-yet-valid and garbage certificates', () => {
    const a = issue(ca, { cn: 'mx.example.com' });
    const b = issue(ca, { cn: 'mx.example.com' });
    const future = issue(ca, { cn: 'mx.example.com', notBefore: new Date(now.getTime() + DAY_MS) });
    const es = parseAcmeJson(
      acmeV1([
        { main: 'mx.example.com', cert: a, keyPem: b.keyPem },
        { main: 'mx.example.com', cert: future },
      ]),
    );
    es.push({ ...es[0]!, certPem: 'not a pem' });
    const c = chooseCertificate(es, { names, now });
    assert.equal(c.chosen, undefined);
    assert.deepEqual(
      c.rejected.map((r) => r.reason.replace(/ (before|on) .*/, '')),
      ['private key does not match the certificate', 'not valid', 'certificate is not a base64 PEM certificate'],
    );
  });

  it('rejects a record whose certificate does not cover the name Traefik claims', () => {
    const wrong = issue(ca, { cn: 'www.example.com' });
    const c = chooseCertificate(parseAcmeJson(acmeV1([{ main: 'mx.example.com', cert: wrong }])), { names: ['mx.example.com'], now });
    assert.equal(c.chosen, undefined);
    assert.equal(c.rejected[0]?.reason, 'certificate does not cover mx.example.com');
  });

  it('never puts key material into rejections', () => {
    const a = issue(ca, { cn: 'mx.example.com' });
    const b = issue(ca, { cn: 'mx.example.com' });
    const c = chooseCertificate(parseAcmeJson(acmeV1([{ main: 'mx.example.com', cert: a, keyPem: b.keyPem }])), { names, now });
    assert.doesNotMatch(JSON.stringify(c.rejected), /PRIVATE KEY/);
  });
});
