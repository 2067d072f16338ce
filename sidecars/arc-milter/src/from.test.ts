import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromDomain } from './from.ts';

const of = (...values: string[]) => fromDomain(values.map((value) => ({ name: 'from', value })));

test('From domain: one field, one address; quoted and commented text ignored', () => {
  assert.equal(of('News <news@Bank.Example>'), 'bank.example');
  assert.equal(of('news@bank.example'), 'bank.example');
  assert.equal(of('"x@evil.example" <news@bank.example> (via x@evil.example)'), 'bank.example');
  assert.equal(of('a@bank.example, b@evil.example'), undefined);
  assert.equal(of('a@bank.example', 'b@bank.example'), undefined);
  assert.equal(of('no address'), undefined);
  assert.equal(fromDomain([]), undefined);
});
