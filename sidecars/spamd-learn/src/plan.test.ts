import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LearnKind } from './kind.ts';
import { nextBatch, type Pending } from './plan.ts';

let seq = 0;
const p = (kind: LearnKind, name: string, mtimeMs: number): Pending => ({ key: `${kind}/${name}`, kind, name, mtimeMs, seq: seq++ });

test('nothing pending, no batch', () => {
  assert.equal(nextBatch([], 10), undefined);
});

test('the oldest file decides the kind; the batch is capped at max, oldest first', () => {
  const b = nextBatch([p('ham', 'h1', 5), p('spam', 's1', 3), p('spam', 's2', 1), p('spam', 's3', 2)], 2);
  assert.equal(b?.kind, 'spam');
  assert.deepEqual(
    b?.items.map((i) => i.name),
    ['s2', 's3'],
  );
});

test('a message moved spam -> ham: spam first, the ham copy waits for the next batch', () => {
  const b = nextBatch([p('ham', 'm.eml', 10), p('spam', 'm.eml', 1)], 10);
  assert.equal(b?.kind, 'spam');
  assert.deepEqual(
    b?.items.map((i) => i.key),
    ['spam/m.eml'],
  );
});

test('a newer spam copy is held back while an older ham copy of the same name waits', () => {
  const b = nextBatch([p('ham', 'm.eml', 2), p('spam', 'x.eml', 1), p('spam', 'm.eml', 3)], 10);
  assert.equal(b?.kind, 'spam');
  assert.deepEqual(
    b?.items.map((i) => i.name),
    ['x.eml'],
  );
});
