import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LearnPart } from '@mta/shared';
import { Assembler } from './assemble.ts';

const part = (hash: string, index: number, total: number, text: string): LearnPart =>
  ({ kind: 'spam', hash, at: '', signer: '', sig: '', index, total, data: Buffer.from(text), msg: undefined }) as unknown as LearnPart;

test('chunks of two interleaved messages come back whole; a single part is whole at once', () => {
  const a = new Assembler(100, () => assert.fail('no eviction'));
  assert.equal(a.add(part('h1', 1, 3, 'ab')), undefined);
  assert.equal(a.add(part('h2', 1, 2, 'xy')), undefined);
  assert.equal(a.add(part('h1', 2, 3, 'cd')), undefined);
  const two = a.add(part('h2', 2, 2, 'z'));
  assert.equal(two?.kind === 'whole' && Buffer.from(two.message).toString(), 'xyz');
  const one = a.add(part('h1', 3, 3, 'e'));
  assert.equal(one?.kind === 'whole' && Buffer.from(one.message).toString(), 'abcde');
  const single = a.add(part('h3', 1, 1, 'solo'));
  assert.equal(single?.kind === 'whole' && single.parts.length, 1);
});

test('a redelivered chunk replaces the earlier one; a message above the limit is given up as soon as it is', () => {
  const a = new Assembler(5, () => {});
  assert.equal(a.add(part('h', 1, 3, 'abc')), undefined);
  assert.equal(a.add(part('h', 1, 3, 'abc')), undefined);
  const r = a.add(part('h', 2, 3, 'def'));
  assert.equal(r?.kind, 'too-large');
  assert.equal(r?.kind === 'too-large' && r.bytes, 6);
});

test('at most maxOpen messages are open; the oldest is evicted', () => {
  const evicted: string[] = [];
  const a = new Assembler(100, (parts) => evicted.push(parts[0]?.hash ?? '?'), 2);
  a.add(part('h1', 1, 2, 'a'));
  a.add(part('h2', 1, 2, 'b'));
  a.add(part('h3', 1, 2, 'c'));
  assert.deepEqual(evicted, ['h1']);
});
