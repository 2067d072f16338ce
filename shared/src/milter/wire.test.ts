import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cstrings, MilterProtocolError, optNegReply, PacketReader, packet, parseOptNeg, replyCode } from './wire.ts';

test('packets: length-prefixed, cut from any chunking of the stream', () => {
  const stream = Buffer.concat([packet('L', Buffer.from('From\0a@b.test\0')), packet('N'), packet('Q')]);
  for (const size of [1, 2, 3, 7, stream.length]) {
    const r = new PacketReader(1024);
    const got: string[] = [];
    for (let i = 0; i < stream.length; i += size)
      for (const p of r.push(stream.subarray(i, i + size))) got.push(`${p.cmd}:${cstrings(p.data).join('|')}`);
    assert.deepEqual(got, ['L:From|a@b.test', 'N:', 'Q:'], `chunks of ${size}`);
    assert.equal(r.pending, 0);
  }
});

test('packets: a zero or oversized length is refused (the stream cannot be resynchronised)', () => {
  const zero = Buffer.from([0, 0, 0, 0]);
  assert.throws(() => new PacketReader(100).push(zero), MilterProtocolError);
  const big = Buffer.alloc(5);
  big.writeUInt32BE(101, 0);
  assert.throws(() => new PacketReader(100).push(big), MilterProtocolError);
  // A partial packet waits; nothing is allocated for the announced size.
  const r = new PacketReader(100);
  const part = Buffer.alloc(6);
  part.writeUInt32BE(100, 0);
  assert.deepEqual(r.push(part), []);
  assert.equal(r.pending, 6);
});

test('strings: NUL-separated, bytes kept (latin1), a missing last NUL tolerated', () => {
  assert.deepEqual(cstrings(Buffer.from([0x41, 0, 0xe9, 0xff, 0, 0x42])), ['A', '\u00e9\u00ff', 'B']);
  assert.deepEqual(cstrings(Buffer.alloc(0)), []);
});

test('option negotiation: reply with version, actions, protocol and the macro lists', () => {
  const offer = Buffer.alloc(12);
  offer.writeUInt32BE(6, 0);
  offer.writeUInt32BE(0x1ff, 4);
  offer.writeUInt32BE(0x1fffff, 8);
  assert.deepEqual(parseOptNeg(offer), { version: 6, actions: 0x1ff, protocol: 0x1fffff });
  assert.throws(() => parseOptNeg(Buffer.alloc(8)), MilterProtocolError);
  const reply = optNegReply({ version: 6, actions: 0, protocol: 0x80 }, { 2: '{auth_authen}' });
  assert.equal(reply.readUInt32BE(0), reply.length - 4);
  assert.equal(String.fromCharCode(reply[4] as number), 'O');
  assert.equal(reply.readUInt32BE(5 + 8), 0x80);
  assert.equal(reply.readUInt32BE(5 + 12), 2);
  assert.equal(reply.subarray(5 + 16).toString('latin1'), '{auth_authen}\0');
});

test('reply codes carry printable ASCII only, never a "%" postfix would format', () => {
  const r = replyCode(550, '5.7.1', 'a %s b\r\nc\u00e9');
  assert.equal(r.subarray(5).toString('latin1'), '550 5.7.1 a ?s b??c?\0');
});
