import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzStrings, HOSTILE } from '../testing.ts';
import { amavisAddressList, amavisUnquote } from './amavis.ts';

// Expected values checked against amavisd-new 2.13's Perl (test/src/submission/amavis-parse.test.ts runs the real
// module on the same and on random inputs).
test('amavis takes the angle address, drops names and comments, splits on top-level commas', () => {
  const cases: [string, string[]][] = [
    ['Alice <alice@a.test>', ['alice@a.test']],
    ['boss@b.test <alice@a.test>', ['alice@a.test']],
    ['<alice@a.test> <boss@b.test>', ['alice@a.test', 'boss@b.test']],
    ['alice@a.test (boss@b.test)', ['alice@a.test']],
    ['alice@a.test  (x)', ['alice@a.test ']],
    ['a@b.test, "c, d" <e@f.test>', ['a@b.test', 'e@f.test']],
    ['team: a@b.test, c@d.test;', ['a@b.test', 'c@d.test']],
    // A ">" inside quotes ends amavis's quoted string and its angle address: one odd address.
    ['"a>b" <alice@a.test>', ['"a>b" <alice@a.test>']],
    ['"x,mallory,y"@a.test', ['"x,mallory,y"@a.test']],
  ];
  for (const [v, want] of cases) assert.deepEqual(amavisAddressList(v), want, v);
});

test('unquote: the domain after the last "@", quotes and quoted pairs gone; routes and literals left to the caller', () => {
  assert.equal(amavisUnquote('"x,mallory,y"@a.test'), 'x,mallory,y@a.test');
  assert.equal(amavisUnquote('"a\\"b"@a.test'), 'a"b@a.test');
  assert.equal(amavisUnquote('<alice@a.test>'), 'alice@a.test');
  assert.equal(amavisUnquote('a@b@c.test'), 'a@b@c.test');
  assert.equal(amavisUnquote('alice@[192.0.2.1]'), undefined);
  assert.equal(amavisUnquote('@r.test:alice@a.test'), undefined);
  assert.equal(amavisUnquote('alice'), undefined);
});

test('fuzz: never throws, linear on long input', () => {
  for (const s of fuzzStrings(7, 20000, HOSTILE, 80)) {
    const r = amavisAddressList(s);
    assert.ok(Array.isArray(r));
    for (const a of r) amavisUnquote(a);
  }
  const start = performance.now();
  for (const s of ['('.repeat(200000), '"'.repeat(200001), '[@'.repeat(100000), ' '.repeat(200000), `${'a@'.repeat(100000)}`])
    amavisAddressList(s);
  assert.ok(performance.now() - start < 5000);
});
