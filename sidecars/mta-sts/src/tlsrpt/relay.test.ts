import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '@mta/shared';
import { MAX_DATAGRAM } from './datagram.ts';
import { FrameReader, startRelay } from './relay.ts';

test('frames: split anywhere, joined anywhere, content that looks like a length is just content', () => {
  const frame = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const a = Buffer.from([0, 0, 0, 9, 0x52, 0xff]);
  const b = Buffer.from('{"dpv":"1"}');
  const all = Buffer.concat([Buffer.from('R'), frame(a), frame(b)]);
  for (let cut = 0; cut <= all.length; cut++) {
    const r = new FrameReader();
    assert.deepEqual([...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))], [a, b]);
  }
  assert.throws(() => new FrameReader().push(Buffer.from('X')));
  assert.throws(() => new FrameReader().push(Buffer.from([0x52, 0xff, 0xff, 0xff, 0xff])));
});

test('the Perl receiver: datagrams arrive whole and in order, binary or too large; the socket is 0666; it ends with us', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-tlsrpt-'));
  const socket = join(dir, 'tlsrpt.sock');
  const got: Buffer[] = [];
  const relay = startRelay(
    socket,
    (d) => got.push(d),
    createLogger({ sidecar: 'mta-sts', node: 'mx1', destination: { write: () => undefined } }),
  );
  try {
    await relay.ready;
    assert.equal(statSync(socket).mode & 0o777, 0o666);
    // Sent as libtlsrpt does (sendto on an unbound SOCK_DGRAM socket).
    const send = String.raw`
      use Socket; socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die;
      my $to = pack_sockaddr_un($ARGV[0]);
      send($s, "{\"dpv\":\"1\"}", 0, $to) or die "$!";
      send($s, "\x00\x00\x00\x05R\n\r\xff", 0, $to) or die "$!";
      send($s, "x" x ($ARGV[1] + 10), 0, $to) or die "$!";`;
    execFileSync('perl', ['-e', send, socket, String(MAX_DATAGRAM)]);
    const deadline = Date.now() + 10_000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got[0], Buffer.from('{"dpv":"1"}'));
    assert.deepEqual(got[1], Buffer.from([0, 0, 0, 5, 0x52, 0x0a, 0x0d, 0xff]));
    // Longer than any datagram it takes: it arrives longer than MAX_DATAGRAM (and is refused), not cut to fit.
    assert.ok((got[2]?.length ?? 0) > MAX_DATAGRAM);
  } finally {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
