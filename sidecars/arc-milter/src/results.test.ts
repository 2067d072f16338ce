import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResults, vouchedBy } from './results.ts';

test('results: comments and quoted strings do not split or add results', () => {
  const r = parseResults(
    'lists.example.org; dkim=pass (good; signature) header.d=bank.example header.b="a;b"; dmarc=pass (p=reject) header.from=Bank.Example; spf=fail smtp.mailfrom=x@y.example',
  );
  assert.deepEqual(r, [
    { method: 'dkim', result: 'pass', props: { 'header.d': 'bank.example', 'header.b': 'a;b' } },
    { method: 'dmarc', result: 'pass', props: { 'header.from': 'Bank.Example' } },
    { method: 'spf', result: 'fail', props: { 'smtp.mailfrom': 'x@y.example' } },
  ]);
});

test('vouching: dmarc=pass for the From domain, or a dkim/spf pass of exactly it', () => {
  const v = (text: string) => vouchedBy(parseResults(`x; ${text}`), 'bank.example');
  assert.equal(v('dmarc=pass header.from=BANK.example'), 'dmarc');
  assert.equal(v('dkim=pass header.d=bank.example'), 'dkim');
  assert.equal(v('spf=pass smtp.mailfrom=news@bank.example'), 'spf');
  assert.equal(v('dmarc=fail header.from=bank.example'), undefined);
  assert.equal(v('dmarc=pass header.from=evil.example'), undefined);
  // A parent domain is not taken as aligned: the sealer's word is read strictly.
  assert.equal(v('dkim=pass header.d=example'), undefined);
  assert.equal(v('dkim=pass header.d=mail.bank.example'), undefined);
  // Text in a comment is not a result.
  assert.equal(v('none (dmarc=pass header.from=bank.example)'), undefined);
});
