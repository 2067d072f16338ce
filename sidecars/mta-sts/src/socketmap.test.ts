import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNetstring, NetstringReader } from './netstring.ts';
import { startSocketmap } from './socketmap.ts';

// Sends raw bytes, collects `n` replies (or what came before the server closed).
function exchange(socket: string, bytes: Buffer, n: number): Promise<{ replies: string[]; closed: boolean }> {
  return new Promise((resolve) => {
    const replies: string[] = [];
    const reader = new NetstringReader(100_000);
    const c = createConnection(socket, () => c.write(bytes));
    c.on('data', (d: Buffer) => {
      replies.push(...reader.push(d));
      if (replies.length >= n) {
        c.destroy();
        resolve({ replies, closed: false });
      }
    });
    c.on('close', () => resolve({ replies, closed: true }));
  });
}

test('pipelined requests are answered in order; another map name is PERM; a failed lookup is TEMP; garbage closes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mta-sts-sm-'));
  const socket = join(dir, 'policy.sock');
  const errors: string[] = [];
  const server = await startSocketmap({
    socket,
    name: 'mta-sts',
    lookup: async (key) => {
      if (key === 'boom.test') throw new Error('boom');
      await new Promise((r) => setTimeout(r, key === 'slow.test' ? 50 : 0));
      return key === 'none.test' ? 'NOTFOUND ' : `OK secure match=mx.${key}`;
    },
    onError: (e) => void errors.push(e.message),
  });
  try {
    const req = Buffer.concat(
      ['mta-sts slow.test', 'mta-sts a.test', 'other a.test', 'mta-sts none.test', 'mta-sts boom.test'].map(encodeNetstring),
    );
    const r = await exchange(socket, req, 5);
    assert.deepEqual(r.replies, [
      'OK secure match=mx.slow.test',
      'OK secure match=mx.a.test',
      'PERM unknown map other',
      'NOTFOUND ',
      'TEMP policy lookup failed',
    ]);
    assert.deepEqual(errors, ['boom']);
    assert.deepEqual(await exchange(socket, Buffer.from('x:y,'), 1), { replies: [], closed: true });
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('close does not wait for idle connections; the socket is served again after a restart; a file in its place is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mta-sts-sm-'));
  try {
    const socket = join(dir, 'policy.sock');
    const lookup = async () => 'NOTFOUND ';
    const first = await startSocketmap({ socket, name: 'm', lookup });
    // An open connection does not hold up the close (postfix keeps its connections while idle).
    const held = createConnection(socket).on('error', () => undefined);
    await new Promise((r) => held.once('connect', r));
    await first.close();
    const second = await startSocketmap({ socket, name: 'm', lookup });
    assert.deepEqual((await exchange(socket, encodeNetstring('m x.test'), 1)).replies, ['NOTFOUND ']);
    await second.close();
    const file = join(dir, 'file');
    await writeFile(file, 'keep');
    await assert.rejects(startSocketmap({ socket: file, name: 'm', lookup }), /not a socket/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
