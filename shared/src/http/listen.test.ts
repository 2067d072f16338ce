import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createConnection, createServer, Server } from 'node:net';
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

// listenLean leans on node's private _listen2 (bench: the documented listen() costs the metrics sidecar ~1.3 MB
// resident through node:cluster, over its 50 MB target). When a node update renames or drops it, this fails, so the
// fallback is noticed and measured again instead of silently costing memory.
test('node still has the private listening step, and an IP literal listens without loading node:cluster', () => {
  assert.equal(typeof (Server.prototype as unknown as { _listen2?: unknown })._listen2, 'function', 'net.Server#_listen2 is gone');
  const code = [
    `const { listenLean } = await import(${JSON.stringify(new URL('./listen.ts', import.meta.url).href)});`,
    "const { createServer } = await import('node:net');",
    // tsx itself loads some of these: only what listening adds counts.
    'const before = new Set(process.moduleLoadList);',
    "const s = await listenLean(createServer(), '127.0.0.1', 0);",
    'console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m) && /\\b(cluster|dgram|child_process)\\b/.test(m))));',
    's.close();',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', code], {
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(out), []);
});
