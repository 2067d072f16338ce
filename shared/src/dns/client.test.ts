import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { DnsTimeoutError, dnsQuery, resolverOf } from './client.ts';
import { decodeName, RR } from './wire.ts';

// A response to `query` with the given header flags and one TXT answer (name pointer to the question).
function reply(query: Buffer, flags: number, text: string): Buffer {
  const qEnd = decodeName(query, 12).end + 4;
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 6);
  header.writeUInt16BE(0, 10);
  const rdata = Buffer.concat([Buffer.from([text.length]), Buffer.from(text)]);
  const fixed = Buffer.from([0xc0, 12, 0, RR.TXT, 0, 1, 0, 0, 0, 60, 0, rdata.length]);
  return Buffer.concat([header, query.subarray(12, qEnd), fixed, rdata]);
}

test('a truncated UDP answer is asked again over TCP; a wrong id over UDP is ignored until the right one comes', async () => {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const port = udp.address().port;
  udp.on('message', (q, from) => {
    // First an answer to another query (an off-path guess), then the real one, truncated.
    const wrong = Buffer.from(q);
    wrong.writeUInt16BE((q.readUInt16BE(0) + 1) & 0xffff, 0);
    udp.send(reply(wrong, 0x8180, 'forged'), from.port, from.address);
    udp.send(reply(q, 0x8380, 'partial'), from.port, from.address);
  });
  const tcp = createServer((c) =>
    c.once('data', (d: Buffer) => {
      const r = reply(d.subarray(2), 0x81a0, 'v=STSv1; id=1');
      const len = Buffer.alloc(2);
      len.writeUInt16BE(r.length);
      c.end(Buffer.concat([len, r]));
    }),
  );
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
  try {
    const r = await dnsQuery({ host: '127.0.0.1', port }, '_mta-sts.a.test', RR.TXT, { timeoutMs: 2000 });
    assert.equal(r.truncated, false);
    assert.equal(r.ad, true);
    assert.deepEqual(
      r.answers.map((a) => ('text' in a ? a.text : '')),
      ['v=STSv1; id=1'],
    );
  } finally {
    udp.close();
    tcp.close();
  }
});

test('no answer: a timeout error, never a hang; resolv.conf gives the first nameserver', async () => {
  await assert.rejects(dnsQuery({ host: '127.0.0.1', port: 9 }, 'a.test', RR.MX, { timeoutMs: 200 }), DnsTimeoutError);
  assert.deepEqual(resolverOf('# x\nsearch a.test\nnameserver 127.0.0.11\nnameserver 192.0.2.1\n'), { host: '127.0.0.11', port: 53 });
  assert.equal(resolverOf('search a.test\n'), undefined);
});
