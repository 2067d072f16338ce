import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Cut, StreamFramer } from './frames.ts';

// Frames of "<one length byte><bytes>", as a protocol would cut them.
const byteLength: Cut<string> = (buf) => {
  if (buf.length < 1) return undefined;
  const len = buf[0] as number;
  if (len === 0) throw new Error('zero length');
  return buf.length < 1 + len ? undefined : { frame: buf.subarray(1, 1 + len).toString(), used: 1 + len };
};

test('frames split anywhere across chunks come out whole, in order; the rest waits', () => {
  const f = new StreamFramer(byteLength);
  const wire = Buffer.from('\x03abc\x01d\x02ef\x04gh');
  const out: string[] = [];
  for (const b of wire) out.push(...f.push(Buffer.from([b])));
  assert.deepEqual(out, ['abc', 'd', 'ef']);
  assert.equal(f.pending, 3);
  assert.deepEqual(f.push(Buffer.from('ij')), ['ghij']);
  assert.equal(f.pending, 0);
});

test('a cut that refuses ends the stream with its error', () => {
  const f = new StreamFramer(byteLength);
  assert.throws(() => f.push(Buffer.from('\x01a\x00')), /zero length/);
});

test('a remainder does not keep a large consumed buffer alive', () => {
  const f = new StreamFramer(byteLength);
  const big = Buffer.concat([...Array.from({ length: 400 }, () => Buffer.from(`\xff${'x'.repeat(255)}`, 'latin1')), Buffer.from('\x05ab')]);
  assert.equal(f.push(big).length, 400);
  assert.equal(f.pending, 3);
  assert.deepEqual(f.push(Buffer.from('cde')), ['abcde']);
});
