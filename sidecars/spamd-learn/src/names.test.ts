import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTempName, kindOf } from './names.ts';

test('temp names are ignored, kopano <searchkey>.eml names are not', () => {
  for (const n of ['.0A1B.eml', 'x.tmp', 'x.part', 'x.eml~', '.x.swp']) assert.equal(isTempName(n), true, n);
  for (const n of ['0A1B2C.eml', 'msg', 'tmp.eml']) assert.equal(isTempName(n), false, n);
});

test('the folder decides the kind', () => {
  assert.equal(kindOf('/var/lib/kopano/spamd/spam/a.eml'), 'spam');
  assert.equal(kindOf('/var/lib/kopano/spamd/ham/a.eml'), 'ham');
  assert.equal(kindOf('/var/lib/kopano/spamd/failed/a.eml'), undefined);
});
