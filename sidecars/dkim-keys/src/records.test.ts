import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dkimTxtValue } from '@mta/shared';
import { generateRsaKey } from './generate.ts';
import { inspectKey } from './keyinfo.ts';
import { comparePublished, describePublished, lookupFailure } from './published.ts';
import { renderDomainRecords } from './records.ts';

test('renderDomainRecords lists MX, SPF, DKIM and DMARC in zone-file syntax', () => {
  const out = renderDomainRecords({
    domain: 'a.test',
    mx: 'mx.a.test',
    dkim: [{ selector: 'default', dnsValue: dkimTxtValue('A'.repeat(300)) }],
  });
  const lines = out.split('\n');
  assert.ok(lines.includes('a.test.\t3600\tIN\tMX\t10 mx.a.test.'));
  assert.ok(lines.includes('a.test.\t3600\tIN\tTXT\t"v=spf1 mx -all"'));
  assert.ok(lines.includes('_dmarc.a.test.\t3600\tIN\tTXT\t"v=DMARC1; p=quarantine; rua=mailto:postmaster@a.test"'));
  assert.match(out, /^default\._domainkey\.a\.test\.\t3600\tIN\tTXT\t\( "v=DKIM1; k=rsa; p=A+"\n\t"A+" \)$/m);
});

test('renderDomainRecords says when a key is missing or HOSTNAME is not a FQDN', () => {
  const out = renderDomainRecords({ domain: 'a.test', mx: 'box', dkim: [] });
  assert.match(out, /; HOSTNAME "box" is not a fully qualified name/);
  assert.match(out, /; no DKIM key for a\.test yet/);
  assert.doesNotMatch(out, /_domainkey/);
});

test('comparePublished matches by key, whatever the splitting of the TXT strings', async () => {
  const r = inspectKey(await generateRsaKey(1024));
  assert.ok(r.ok);
  const { dnsValue, fingerprint } = r.info;
  assert.deepEqual(comparePublished([[dnsValue.slice(0, 100), dnsValue.slice(100)]], fingerprint), { state: 'match' });
  assert.deepEqual(comparePublished([['v=spf1 mx -all']], fingerprint), { state: 'missing' });
  const other = comparePublished([['v=DKIM1; p=']], fingerprint);
  assert.deepEqual(other, { state: 'differs', published: ['revoked (empty p=)'] });
  assert.match(describePublished(other), /differs/);
  assert.deepEqual(lookupFailure('ENOTFOUND'), { state: 'missing' });
  assert.match(describePublished(lookupFailure('ETIMEOUT')), /not reachable \(ETIMEOUT\)/);
});
