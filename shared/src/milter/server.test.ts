import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startMilterServer } from './server.ts';
import { Cmd, cstrings, PacketReader, packet } from './wire.ts';

const dir = mkdtempSync(join(tmpdir(), 'mta-milter-srv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Talks to the milter like postfix: writes packets, collects replies until `count` arrived or the socket closed.
function exchange(path: string, out: Buffer[], count: number): Promise<{ replies: string[]; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(path);
    const reader = new PacketReader(1 << 20);
    const replies: string[] = [];
    const done = (closed: boolean) => {
      s.destroy();
      resolve({ replies, closed });
    };
    s.on('connect', () => s.write(Buffer.concat(out)));
    s.on('data', (d) => {
      for (const p of reader.push(d)) replies.push(p.cmd + cstrings(p.data).join(''));
      if (replies.length >= count) done(false);
    });
    s.on('close', () => done(true));
    s.on('error', () => done(true));
  });
}

const optneg = () => {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(6, 0);
  b.writeUInt32BE(0x1ff, 4);
  b.writeUInt32BE(0x1fffff, 8);
  return packet(Cmd.OptNeg, b);
};

test('serves the protocol on a unix socket; garbage closes that connection only; a stale socket is replaced', async () => {
  const path = join(dir, 'milter.sock');
  const drops: string[] = [];
  let decided = 0;
  const server = await startMilterServer({
    socket: path,
    session: {
      keep: (n) => n === 'from',
      maxFields: 4,
      maxFieldBytes: 100,
      decide: async (m) => {
        decided++;
        return m.headers[0]?.value === 'ok@a.test' ? { action: 'accept' } : { action: 'reject', code: 550, dsn: '5.7.1', text: 'no' };
      },
    },
    maxPacket: 4096,
    onDrop: (why) => drops.push(why),
  });
  try {
    assert.equal(statSync(path).mode & 0o777, 0o666);
    const msg = (from: string) => [packet(Cmd.Header, Buffer.from(`From\0${from}\0`)), packet(Cmd.EndOfHeaders)];
    const r = await exchange(path, [optneg(), ...msg('ok@a.test'), ...msg('boss@b.test')], 3);
    assert.deepEqual(r.replies.slice(1), ['a', 'y550 5.7.1 no']);
    // An oversized packet and a command before negotiation: dropped, with the reason logged.
    const big = Buffer.alloc(5);
    big.writeUInt32BE(1 << 20, 0);
    assert.equal((await exchange(path, [big], 1)).closed, true);
    assert.equal((await exchange(path, [packet(Cmd.EndOfHeaders)], 1)).closed, true);
    assert.equal(drops.length, 2);
    assert.match(drops[0] ?? '', /packet length/);
    // Still serving.
    assert.deepEqual((await exchange(path, [optneg(), ...msg('ok@a.test')], 2)).replies.slice(1), ['a']);
    assert.equal(decided, 3);
  } finally {
    await new Promise((r) => server.close(r));
  }
  // A socket left behind by a killed milter is replaced; a regular file at that path is never deleted.
  const again = await startMilterServer({
    socket: path,
    session: { keep: () => false, maxFields: 1, maxFieldBytes: 1, decide: async () => ({ action: 'accept' }) },
  });
  await new Promise((r) => again.close(r));
  const file = join(dir, 'not-a-socket');
  writeFileSync(file, 'x');
  await assert.rejects(
    startMilterServer({
      socket: file,
      session: { keep: () => false, maxFields: 1, maxFieldBytes: 1, decide: async () => ({ action: 'accept' }) },
    }),
    /not a socket/,
  );
});
