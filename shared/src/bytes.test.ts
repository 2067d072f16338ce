import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteBuilder } from './bytes.ts';

test('the pieces as UTF-8 in order, across chunk ends and pieces larger than a chunk', () => {
  const b = new ByteBuilder();
  assert.equal(b.empty, true);
  assert.equal(b.bytes().length, 0);
  const pieces = ['ä\t', 'x'.repeat(70_000), ...Array.from({ length: 20_000 }, (_, i) => `line ${i} é\n`)];
  for (const p of pieces) b.add(p);
  assert.equal(b.empty, false);
  assert.equal(b.bytes().toString('utf8'), pieces.join(''));
});
