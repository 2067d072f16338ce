import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MessageFacts, MilterSession, type Verdict } from './session.ts';
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
async function run(packets: Buffer[], verdict: Verdict = { action: 'accept' }, protocol?: number) {
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
