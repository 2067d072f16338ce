import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsWireError, decodeName, decodeResponse, encodeName, encodeQuery, RR } from './wire.ts';

// A response to `query` with the given flags and answer records (name pointer to the question at offset 12).
function response(query: Buffer, flags: number, answers: { type: number; rdata: Buffer; name?: Buffer }[]): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(answers.length, 6);
  header.writeUInt16BE(0, 10);
  const qEnd = 12 + decodeName(query, 12).end - 12 + 4;
  const rrs = answers.map((a) => {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt16BE(a.type, 0);
    fixed.writeUInt16BE(1, 2);
    fixed.writeUInt32BE(300, 4);
    fixed.writeUInt16BE(a.rdata.length, 8);
    return Buffer.concat([a.name ?? Buffer.from([0xc0, 12]), fixed, a.rdata]);
  });
  return Buffer.concat([header, query.subarray(12, qEnd), ...rrs]);
}

test('a query asks for recursion and AD, with EDNS0 DO; its name and type read back', () => {
  const q = encodeQuery(0x1234, 'Example.COM.', RR.MX);
  assert.equal(q.readUInt16BE(0), 0x1234);
  assert.equal(q.readUInt16BE(2), 0x0120);
  const { name, end } = decodeName(q, 12);
  assert.equal(name, 'example.com');
  assert.equal(q.readUInt16BE(end), RR.MX);
  assert.equal(q.readUInt16BE(10), 1, 'one additional record: OPT');
  assert.equal(q[q.length - 4], 0x80, 'DO bit');
});

test('MX (with a compressed exchange), multi-string TXT and TLSA answers decode; AD and rcode are read', () => {
  const q = encodeQuery(7, 'example.com', RR.MX);
  // exchange "mx1" + pointer to example.com in the question
  const mx = Buffer.concat([Buffer.from([0, 10, 3]), Buffer.from('mx1'), Buffer.from([0xc0, 12])]);
  const r = decodeResponse(response(q, 0x81a0, [{ type: RR.MX, rdata: mx }]));
  assert.equal(r.id, 7);
  assert.equal(r.ad, true);
  assert.equal(r.rcode, 0);
  assert.deepEqual(r.answers[0], { type: RR.MX, name: 'example.com', ttl: 300, preference: 10, exchange: 'mx1.example.com' });

  const q2 = encodeQuery(8, '_mta-sts.example.com', RR.TXT);
  const txt = Buffer.concat([Buffer.from([8]), Buffer.from('v=STSv1;'), Buffer.from([7]), Buffer.from(' id=abc')]);
  const r2 = decodeResponse(response(q2, 0x8180, [{ type: RR.TXT, rdata: txt }]));
  assert.equal(r2.ad, false);
  assert.deepEqual(r2.answers[0], { type: RR.TXT, name: '_mta-sts.example.com', ttl: 300, text: 'v=STSv1; id=abc' });

  const q3 = encodeQuery(9, '_25._tcp.mx1.example.com', RR.TLSA);
  const tlsa = Buffer.from([3, 1, 1, 0xde, 0xad]);
  const r3 = decodeResponse(response(q3, 0x81a3, [{ type: RR.TLSA, rdata: tlsa }]));
  assert.equal(r3.rcode, 3);
  const a = r3.answers[0];
  assert.ok(a && a.type === RR.TLSA && 'usage' in a);
  assert.equal(a.usage, 3);
  assert.deepEqual(a.data, Buffer.from([0xde, 0xad]));
});

test('hostile messages are refused with DnsWireError, never loop or read past the end', () => {
  const q = encodeQuery(1, 'example.com', RR.TXT);
  // A name pointing at itself, and one pointing forwards.
  const loop = response(q, 0x8180, [{ type: RR.TXT, rdata: Buffer.from([0]) }]);
  const at = loop.length - 10 - 1 - 2;
  loop.writeUInt16BE(0xc000 | at, at);
  assert.throws(() => decodeResponse(loop), DnsWireError);
  // Record data longer than the message.
  const long = response(q, 0x8180, [{ type: RR.TXT, rdata: Buffer.from([5, 0x41]) }]);
  assert.throws(() => decodeResponse(long), DnsWireError);
  // A TXT string longer than its record.
  const bad = response(q, 0x8180, [{ type: RR.TXT, rdata: Buffer.from([9, 0x41]) }]);
  assert.throws(() => decodeResponse(bad), DnsWireError);
  // Cut anywhere: an error, never a partial answer.
  const good = response(q, 0x8180, [{ type: RR.TXT, rdata: Buffer.from([1, 0x41]) }]);
  for (let n = 0; n < good.length; n++) assert.throws(() => decodeResponse(good.subarray(0, n)), DnsWireError, `cut at ${n}`);
  assert.throws(() => decodeResponse(q), DnsWireError, 'a query is not a response');
  assert.throws(() => encodeName(`${'a'.repeat(64)}.example`), DnsWireError);
});
