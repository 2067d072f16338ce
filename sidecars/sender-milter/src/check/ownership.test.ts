import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CheckUnavailable, OwnershipCheck } from './ownership.ts';

const dir = mkdtempSync(join(tmpdir(), 'mta-owner-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface FakeOptions {
  owners: Record<string, string[]>;
  // Called per command; may return a reply to override, or 'close' to drop the connection.
  hook?: (cmd: string) => string | 'close' | 'mute' | undefined;
}

// A stand-in for the check smtpd, speaking just enough SMTP; the real one is exercised in test/src/submission/.
function fake(o: FakeOptions): Promise<{ path: string; server: Server; log: string[]; connections: () => number }> {
  const path = join(dir, `s${Math.random().toString(36).slice(2)}`);
  const log: string[] = [];
  let connections = 0;
  const server = createServer((sock) => {
    connections++;
    let login = '';
    let buf = '';
    sock.on('error', () => undefined);
    sock.write('220 check ESMTP\r\n');
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const cmd = buf.slice(0, i);
        buf = buf.slice(i + 2);
        log.push(cmd);
        const over = o.hook?.(cmd);
        if (over === 'close') return void sock.destroy();
        if (over === 'mute') continue;
        if (over) {
          sock.write(`${over}\r\n`);
          continue;
        }
        if (cmd.startsWith('EHLO')) sock.write('250-check\r\n250-XCLIENT LOGIN\r\n250 PIPELINING\r\n');
        else if (cmd.startsWith('XCLIENT LOGIN=')) {
          login = cmd.slice(14);
          sock.on('error', () => undefined);
          sock.write('220 check ESMTP\r\n');
        } else if (cmd.startsWith('MAIL FROM:<')) {
          const a = cmd.slice(11, -1);
          sock.write(
            (o.owners[login] ?? []).includes(a)
              ? '250 2.1.0 Ok\r\n'
              : `553 5.7.1 <${a}>: Sender address rejected: not owned by user ${login}\r\n`,
          );
        } else if (cmd === 'RSET') sock.write('250 2.0.0 Ok\r\n');
        else if (cmd === 'QUIT') sock.end('221 Bye\r\n');
        else sock.write('502 5.5.2 Error\r\n');
      }
    });
  });
  return new Promise((r) => server.listen(path, () => r({ path, server, log, connections: () => connections })));
}

test('owned, not owned; the login is set once per session and kept for the next message of the same login', async () => {
  const f = await fake({ owners: { alice: ['alice@a.test'], 'b+20ob': ['bob@a.test'] } });
  const c = new OwnershipCheck({ socket: f.path, sessions: 1 });
  assert.deepEqual(await c.owns('alice', ['alice@a.test', 'boss@b.test']), [
    { owned: true },
    { owned: false, reply: '553 5.7.1 <boss@b.test>: Sender address rejected: not owned by user alice' },
  ]);
  assert.deepEqual(await c.owns('alice', ['alice@a.test']), [{ owned: true }]);
  assert.deepEqual(await c.owns('b ob', ['bob@a.test']), [{ owned: true }]);
  c.close();
  f.server.close();
  assert.equal(f.connections(), 1);
  assert.deepEqual(
    f.log.filter((l) => l.startsWith('XCLIENT')),
    ['XCLIENT LOGIN=alice', 'XCLIENT LOGIN=b+20ob'],
  );
});

test('a session smtpd closed (or 421) is replaced once; a temporary answer or a dead service defers', async () => {
  let dropped = false;
  const dropOnce = await fake({
    owners: { alice: ['alice@a.test'] },
    hook: (cmd) => {
      if (dropped || !cmd.startsWith('XCLIENT')) return undefined;
      dropped = true;
      return 'close';
    },
  });
  const c = new OwnershipCheck({ socket: dropOnce.path });
  assert.deepEqual(await c.owns('alice', ['alice@a.test']), [{ owned: true }]);
  assert.equal(dropOnce.connections(), 2);
  c.close();
  dropOnce.server.close();

  const busy = await fake({ owners: {}, hook: (cmd) => (cmd.startsWith('XCLIENT') ? '421 4.3.2 shutting down' : undefined) });
  const c2 = new OwnershipCheck({ socket: busy.path });
  await assert.rejects(c2.owns('alice', ['alice@a.test']), CheckUnavailable);
  c2.close();
  busy.server.close();

  const lookup = await fake({
    owners: {},
    hook: (cmd) => (cmd.startsWith('MAIL') ? '451 4.3.0 <a@b.test>: Temporary lookup failure' : undefined),
  });
  const c3 = new OwnershipCheck({ socket: lookup.path });
  await assert.rejects(c3.owns('alice', ['a@b.test']), /Temporary lookup failure/);
  c3.close();
  lookup.server.close();

  const gone = new OwnershipCheck({ socket: join(dir, 'nobody-listens'), timeoutMs: 500 });
  await assert.rejects(gone.owns('alice', ['a@b.test']), CheckUnavailable);
  gone.close();
});

test('a silent check service times out instead of holding the message', async () => {
  const mute = await fake({ owners: {}, hook: (cmd) => (cmd.startsWith('MAIL') ? 'mute' : undefined) });
  const c = new OwnershipCheck({ socket: mute.path, timeoutMs: 300 });
  const t0 = Date.now();
  await assert.rejects(c.owns('alice', ['a@b.test']), CheckUnavailable);
  assert.ok(Date.now() - t0 < 5000);
  c.close();
  mute.server.close();
});

test('concurrent checks share at most `sessions` connections', async () => {
  const f = await fake({ owners: { alice: ['alice@a.test'] } });
  const c = new OwnershipCheck({ socket: f.path, sessions: 2 });
  const all = await Promise.all(Array.from({ length: 20 }, () => c.owns('alice', ['alice@a.test'])));
  assert.ok(all.every((r) => r[0]?.owned));
  assert.ok(f.connections() <= 2, `${f.connections()} connections`);
  c.close();
  f.server.close();
});
