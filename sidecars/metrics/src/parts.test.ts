import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { arrivalTime } from './arrivals.ts';
import { acmeReasonClass } from './bus-events.ts';
import { notAfter } from './cert.ts';
import { createFamilies } from './families.ts';
import { scanQueue } from './queue.ts';

test('notAfter read from the DER agrees with node:crypto', () => {
  // openssl, not the seed's generator: metrics depends on shared only.
  const certPem = execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
      '-subj',
      '/CN=mx.example.com',
      '-days',
      '30',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  assert.equal(notAfter(certPem), Date.parse(new X509Certificate(certPem).validTo));
  assert.equal(notAfter('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'), undefined);
  assert.equal(notAfter('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'), undefined);
});

// A queue file as postfix writes it: C (size) record, then T (arrival time).
const rec = (type: string, data: string) => Buffer.concat([Buffer.from(type), Buffer.from([data.length]), Buffer.from(data)]);

test('queue sizes per queue and the age of the oldest deferred message (arrival time, not mtime)', async () => {
  const q = mkdtempSync(join(tmpdir(), 'mta-queue-'));
  try {
    const now = Date.parse('2026-01-01T12:00:00Z');
    assert.equal(arrivalTime(Buffer.concat([rec('C', '   123   0   1'), rec('T', `${now / 1000 - 7200} 12345`)])), now - 7_200_000);
    for (const d of ['active', 'deferred/A', 'deferred/B', 'hold', 'incoming', 'maildrop']) mkdirSync(join(q, d), { recursive: true });
    writeFileSync(join(q, 'active', 'X1'), rec('T', `${now / 1000} 0`));
    writeFileSync(join(q, 'deferred/A', 'A1'), rec('T', `${now / 1000 - 3600} 0`));
    writeFileSync(join(q, 'deferred/B', 'B1'), Buffer.concat([rec('C', 'x'), rec('T', `${now / 1000 - 600} 0`)]));
    // the retry time postfix keeps in mtime must not count as the age
    utimesSync(join(q, 'deferred/A', 'A1'), new Date(now + 600_000), new Date(now + 600_000));
    const f = createFamilies();
    await scanQueue(f, q, now);
    assert.deepEqual(Object.fromEntries([...f.queue.values].map(([k, v]) => [k, v])), {
      active: 1,
      deferred: 2,
      hold: 0,
      incoming: 0,
      maildrop: 0,
    });
    assert.equal(f.oldestDeferred.values.get(''), 3600);
    rmSync(join(q, 'deferred/A', 'A1'));
    await scanQueue(f, q, now);
    assert.equal(f.oldestDeferred.values.get(''), 600);
  } finally {
    rmSync(q, { recursive: true, force: true });
  }
});

test("acme-watch's reasons become classes", () => {
  assert.equal(acmeReasonClass('expired on 2020-01-01T00:00:00.000Z'), 'expired');
  assert.equal(acmeReasonClass('not valid before 2030-01-01'), 'not-yet-valid');
  assert.equal(acmeReasonClass('private key does not match the certificate'), 'key-mismatch');
  assert.equal(acmeReasonClass('certificate does not cover mx.example.com'), 'no-match');
  assert.equal(acmeReasonClass('no certificate for mx.example.com'), 'no-match');
  assert.equal(acmeReasonClass('certificate does not parse (x)'), 'unparsable');
  assert.equal(acmeReasonClass('something new'), 'other');
});

test('DKIM: keys of configured domains only; DNS match 1, other key 0, not reachable -1', async () => {
  const { checkPublished, dkimGauges, dkimKeys } = await import('./dkim.ts');
  const dir = mkdtempSync(join(tmpdir(), 'mta-dkim-'));
  try {
    for (const [d, p] of [
      ['example.com', 'AAAA'],
      ['example.org', 'BBBB'],
      ['planted.example', 'CCCC'],
    ]) {
      writeFileSync(join(dir, `${d}.default.privkey.pem`), 'key');
      writeFileSync(join(dir, `${d}.default._domainkey.txt`), `default._domainkey.${d}. 3600 IN TXT ( "v=DKIM1; k=rsa; p=${p}" )\n`);
    }
    const keys = await dkimKeys(dir, ['example.com', 'example.org', 'example.net']);
    assert.deepEqual(keys.map((k) => [k.domain, k.publicKey]).sort(), [
      ['example.com', 'AAAA'],
      ['example.org', 'BBBB'],
    ]);
    const f = createFamilies();
    dkimGauges(f, keys, ['example.com', 'example.org', 'example.net']);
    assert.equal(f.dkimKeys.values.get('example.net'), 0);
    assert.equal(f.dkimKeys.values.get('planted.example'), undefined, 'a planted file makes no series');
    const answers: Record<string, string[][] | Error> = {
      'default._domainkey.example.com': [['v=DKIM1; k=rsa; p=AA', 'AA']],
      'default._domainkey.example.org': Object.assign(new Error('timeout'), { code: 'ETIMEOUT' }),
    };
    const resolver = {
      resolveTxt: async (name: string) => {
        const a = answers[name];
        if (a instanceof Error) throw a;
        return a ?? [];
      },
    };
    await checkPublished(f, keys, resolver as never);
    assert.equal(f.dkimPublished.values.get('example.com\u0000default'), 1);
    assert.equal(f.dkimPublished.values.get('example.org\u0000default'), -1);
    answers['default._domainkey.example.org'] = [['v=DKIM1; k=rsa; p=OTHER']];
    await checkPublished(f, keys, resolver as never);
    assert.equal(f.dkimPublished.values.get('example.org\u0000default'), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
