import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dkimPublicKey, dkimTxtValue, parseTxtRecord, renderTxtRecord, splitTxt } from './txt.ts';

test('splitTxt keeps every string within 255 chars and loses nothing', () => {
  const v = 'x'.repeat(600);
  const parts = splitTxt(v);
  assert.deepEqual(
    parts.map((p) => p.length),
    [255, 255, 90],
  );
  assert.equal(parts.join(''), v);
  assert.deepEqual(splitTxt('short'), ['short']);
  assert.deepEqual(splitTxt(''), ['']);
});

test('renderTxtRecord gives a zone-file TXT record that parses back to the value', () => {
  const value = dkimTxtValue('A'.repeat(392));
  const rec = renderTxtRecord({ domain: 'a.test', selector: 'default' }, value);
  assert.match(rec, /^default\._domainkey\.a\.test\.\t3600\tIN\tTXT\t\( "v=DKIM1; k=rsa; p=A+"\n\t"A+" \)\n$/);
  for (const m of rec.matchAll(/"([^"]*)"/g)) assert.ok((m[1] ?? '').length <= 255);
  assert.equal(parseTxtRecord(rec), value);
});

test('parseTxtRecord reads amavis showkeys output and ignores comments', () => {
  const showkeys =
    '; key#1 1024 bits, s=default, d=a.test, /x.pem\ndefault._domainkey.a.test.\t3600 TXT (\n  "v=DKIM1; p="\n  "MIGf"\n  "AQAB")\n';
  assert.equal(parseTxtRecord(showkeys), 'v=DKIM1; p=MIGfAQAB');
  assert.equal(parseTxtRecord('nothing quoted'), undefined);
});

test('dkimPublicKey extracts p= and refuses other record types', () => {
  assert.equal(dkimPublicKey('v=DKIM1; k=rsa; p=MIGf AQAB'), 'MIGfAQAB');
  assert.equal(dkimPublicKey('k=rsa; t=s; p=abc'), 'abc');
  assert.equal(dkimPublicKey('v=spf1 mx -all'), undefined);
  assert.equal(dkimPublicKey('v=DKIM1; p='), '');
});
