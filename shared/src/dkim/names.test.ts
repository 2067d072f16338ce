import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dkimRecordName, keyFileName, parseKeyFileName, txtFileName } from './names.ts';

test('file names follow the seed README', () => {
  const k = { domain: 'example.com', selector: 'default' };
  assert.equal(keyFileName(k), 'example.com.default.privkey.pem');
  assert.equal(txtFileName(k), 'example.com.default._domainkey.txt');
  assert.equal(dkimRecordName(k), 'default._domainkey.example.com');
});

test('a key file name gives back domain and selector', () => {
  assert.deepEqual(parseKeyFileName('mail.Example.com.s2024.privkey.pem'), { domain: 'mail.example.com', selector: 's2024' });
  assert.deepEqual(parseKeyFileName(keyFileName({ domain: 'b.test', selector: 'x' })), { domain: 'b.test', selector: 'x' });
});

test('names that are not key files are refused', () => {
  for (const n of [
    'example.com.default.privkey.pem.bak',
    'example.com.default._domainkey.txt',
    'default.privkey.pem',
    'com.default.privkey.pem',
    'example.com.bad_sel.privkey.pem',
    'example.com.default.privkey.pem.3f2a1b',
  ])
    assert.equal(parseKeyFileName(n), undefined, n);
});
