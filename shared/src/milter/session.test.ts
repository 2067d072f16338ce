import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MessageFacts, MilterSession, type MilterVerdict, type SessionOptions } from './session.ts';
import { Cmd, cstrings, MilterProtocolError, PacketReader, Proto, packet } from './wire.ts';

const optneg = (protocol = 0x1fffff, version = 6) => {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(version, 0);
  b.writeUInt32BE(0x1ff, 4);
  b.writeUInt32BE(protocol, 8);
  return packet(Cmd.OptNeg, b);
};
const macros = (cmd: string, pairs: Record<string, string>) =>
  packet(
    Cmd.Macro,
    Buffer.from(
      `${cmd}${Object.entries(pairs)
        .map(([k, v]) => `${k}\0${v}\0`)
        .join('')}`,
      'latin1',
    ),
  );
const header = (name: string, value: string) => packet(Cmd.Header, Buffer.from(`${name}\0${value}\0`, 'latin1'));

// Runs packets through a session; returns the replies (command + text) and what decide saw.
async function run(
  packets: Buffer[],
  verdict: MilterVerdict = { action: 'accept' },
  protocol?: number,
  more: Partial<SessionOptions> = {},
) {
  const sent: string[] = [];
  const seen: MessageFacts[] = [];
  const s = new MilterSession(
    (b) => {
      for (const p of new PacketReader(1 << 20).push(b)) sent.push(p.cmd === 'O' ? 'O' : `${p.cmd}${cstrings(p.data).join('')}`);
    },
    {
      keep: (n) => n === 'from' || n === 'sender',
      maxFields: 3,
      maxFieldBytes: 40,
      decide: async (m) => {
        seen.push(structuredClone(m));
        return verdict;
      },
      ...more,
    },
  );
  const reader = new PacketReader(1 << 20);
  for (const p of reader.push(Buffer.concat([optneg(protocol), ...packets]))) if ((await s.handle(p)) === 'close') break;
  return { sent, seen };
}

test('one message: login from the macros, the sender fields only, one answer at end of headers', async () => {
  const { sent, seen } = await run(
    [
      macros('M', { '{auth_authen}': 'alice', i: 'ABC123' }),
      packet(Cmd.Mail, Buffer.from('<alice@a.test>\0SIZE=10\0')),
      header('Received', 'from x'),
      header('From', 'Alice <alice@a.test>'),
      header('SENDER', 'alice@a.test'),
      packet(Cmd.EndOfHeaders),
      packet(Cmd.Quit),
    ],
    { action: 'reject', code: 550, dsn: '5.7.1', text: 'no' },
  );
  // O, c for MAIL (no reply per header: NR_HDR was offered), then the verdict.
  assert.deepEqual(sent, ['O', 'c', 'y550 5.7.1 no']);
  assert.deepEqual(seen, [
    {
      login: 'alice',
      queueId: 'ABC123',
      headers: [
        { name: 'from', value: 'Alice <alice@a.test>' },
        { name: 'sender', value: 'alice@a.test' },
      ],
      overflow: undefined,
      macros: {},
    },
  ]);
});

test('an MTA that cannot skip header replies gets a continue for each header; abort forgets the message', async () => {
  const { sent, seen } = await run(
    [
      macros('M', { '{auth_authen}': 'bob' }),
      packet(Cmd.Mail, Buffer.from('<b@a.test>\0')),
      header('From', 'spoof@x.test'),
      packet(Cmd.Abort),
      packet(Cmd.Mail, Buffer.from('<b@a.test>\0')),
      header('From', 'b@a.test'),
      packet(Cmd.EndOfHeaders),
    ],
    { action: 'accept' },
    0x1fffff & ~Proto.NoReplyHeader,
  );
  assert.deepEqual(sent, ['O', 'c', 'c', 'c', 'c', 'a']);
  assert.deepEqual(
    seen.map((m) => m.headers),
    [[{ name: 'from', value: 'b@a.test' }]],
  );
});

test('limits: too many or too long sender fields are flagged, not stored', async () => {
  const many = await run([
    header('From', 'a@b.test'),
    header('From', 'a@b.test'),
    header('From', 'a@b.test'),
    header('From', 'x@y.test'),
    packet(Cmd.EndOfHeaders),
  ]);
  assert.equal(many.seen[0]?.overflow, 'count');
  assert.equal(many.seen[0]?.headers.length, 3);
  const long = await run([header('From', `${'a'.repeat(60)}@b.test`), packet(Cmd.EndOfHeaders)]);
  assert.equal(long.seen[0]?.overflow, 'length');
  assert.deepEqual(long.seen[0]?.headers, []);
});

test('a new connection (K) forgets the login; no login reaches decide as undefined', async () => {
  const { seen } = await run([macros('N', { '{auth_authen}': 'alice' }), packet(Cmd.QuitNewConnection), packet(Cmd.EndOfHeaders)]);
  assert.equal(seen[0]?.login, undefined);
});

test('decide failing defers the message; nonsense before negotiation or unknown commands are protocol errors', async () => {
  const sent: string[] = [];
  const s = new MilterSession((b) => sent.push(b.subarray(4).toString('latin1')), {
    keep: () => true,
    maxFields: 1,
    maxFieldBytes: 1,
    decide: async () => {
      throw new Error('boom');
    },
  });
  await assert.rejects(s.handle({ cmd: Cmd.EndOfHeaders, data: Buffer.alloc(0) }), MilterProtocolError);
  await s.handle(new PacketReader(99).push(optneg())[0]!);
  await s.handle({ cmd: Cmd.EndOfHeaders, data: Buffer.alloc(0) });
  assert.match(sent.at(-1) ?? '', /^y451 4\.7\.1 /);
  await assert.rejects(s.handle({ cmd: 'Z', data: Buffer.alloc(0) }), MilterProtocolError);
  await assert.rejects(s.handle({ cmd: Cmd.OptNeg, data: Buffer.alloc(3) }), MilterProtocolError);
});

test('stage message: the body when asked for, macros, header edits before the final answer', async () => {
  const body = (t: string) => packet(Cmd.Body, Buffer.from(t, 'latin1'));
  const { sent, seen } = await run(
    [
      macros('M', {}),
      packet(Cmd.Mail, Buffer.from('<a@a.test>\0', 'latin1')),
      header('From', 'a@a.test'),
      packet(Cmd.EndOfHeaders),
      body('line 1\r\n'),
      body('line 2\r\n'),
      macros('E', { i: 'Q1', '{client_addr}': '192.0.2.1' }),
      packet(Cmd.EndOfBody),
      packet(Cmd.Quit),
    ],
    {
      action: 'accept',
      edits: [
        { op: 'change', index: 2, name: 'Authentication-Results', value: '' },
        { op: 'insert', index: 0, name: 'Authentication-Results', value: 'x; arc=none' },
      ],
    },
    undefined,
    { stage: 'message', wantBody: () => true, macros: ['{client_addr}'], rawNames: true },
  );
  // MAIL, end of headers answered; body chunks not (NR_BODY); the edits, then accept.
  assert.deepEqual(sent, ['O', 'c', 'c', 'm\x02Authentication-Results', 'iAuthentication-Resultsx; arc=none', 'a']);
  // structuredClone made the Buffer a Uint8Array.
  assert.equal(Buffer.from(seen[0]?.body as Uint8Array).toString(), 'line 1\r\nline 2\r\n');
  assert.deepEqual(seen[0]?.macros, { '{client_addr}': '192.0.2.1' });
  assert.deepEqual(seen[0]?.headers, [{ name: 'from', value: 'a@a.test', rawName: 'From' }]);
});

test('stage message: no body unless wantBody, and a body past the limit is only flagged', async () => {
  const msg = [header('From', 'a@a.test'), packet(Cmd.EndOfHeaders), packet(Cmd.Body, Buffer.alloc(20, 'x')), packet(Cmd.EndOfBody)];
  const none = await run(msg, undefined, undefined, { stage: 'message', wantBody: () => false });
  assert.equal(none.seen[0]?.body, undefined);
  const big = await run(msg, undefined, undefined, { stage: 'message', wantBody: () => true, maxBodyBytes: 10 });
  assert.equal(big.seen[0]?.body, 'too-large');
});
