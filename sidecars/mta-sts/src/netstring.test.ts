import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeNetstring, NetstringError, NetstringReader } from './netstring.ts';

test('netstrings round-trip, split anywhere and back to back', () => {
  const wire = Buffer.concat([encodeNetstring('mta-sts example.com'), encodeNetstring(''), encodeNetstring('é')]);
  for (let cut = 0; cut <= wire.length; cut++) {
    const r = new NetstringReader(100);
    const got = [...r.push(wire.subarray(0, cut)), ...r.push(wire.subarray(cut))];
    assert.deepEqual(got, ['mta-sts example.com', '', 'é'], `cut at ${cut}`);
  }
});

test('malformed or oversized netstrings throw', () => {
  assert.throws(() => new NetstringReader(100).push(Buffer.from('3:abc;')), NetstringError);
  assert.throws(() => new NetstringReader(100).push(Buffer.from('x:')), NetstringError);
  assert.throws(() => new NetstringReader(100).push(Buffer.from('abc')), NetstringError);
  assert.throws(() => new NetstringReader(10).push(Buffer.from('11:')), NetstringError);
  assert.throws(() => new NetstringReader(100).push(Buffer.from('12345678901')), NetstringError);
});
