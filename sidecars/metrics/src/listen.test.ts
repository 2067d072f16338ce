import assert from 'node:assert/strict';
import { createConnection, createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { listenLean } from './listen.ts';

const echo = () => createServer((c) => c.end('hi\n'));
const ask = (host: string, port: number) =>
  new Promise<string>((resolve, reject) => {
    let got = '';
    createConnection({ host, port }, function (this: import('node:net').Socket) {
      this.on('data', (d) => (got += d)).on('end', () => resolve(got));
    }).on('error', reject);
  });
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));
const portOf = (s: Server) => (s.address() as { port: number }).port;

test('an IPv4 literal, an IPv6 literal and a host name all serve on the asked address', async () => {
  for (const host of ['127.0.0.1', '::1', 'localhost']) {
    const s = await listenLean(echo(), host, 0);
    assert.equal(await ask(host, portOf(s)), 'hi\n', host);
    await close(s);
  }
});

test('a port in use rejects with EADDRINUSE instead of throwing later', async () => {
  const first = await listenLean(echo(), '127.0.0.1', 0);
  await assert.rejects(listenLean(echo(), '127.0.0.1', portOf(first)), { code: 'EADDRINUSE' });
  await close(first);
});
