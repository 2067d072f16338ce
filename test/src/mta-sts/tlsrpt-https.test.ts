import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { issue, makeCa } from '@mta/acme-watch/testing';
import { postReport } from '@mta/mta-sts/tlsrpt/https';

// RFC 8460 §5.4 against a real HTTPS server with a test CA: a report is POSTed gzipped with its media type, and the
// client takes only a verified endpoint's 2xx. The rua URL is chosen by the recipient domain's DNS: hostile.
const ca = makeCa('tlsrpt test CA');
const good = issue(ca, { cn: '127.0.0.1', sans: ['reports.test'], ips: ['127.0.0.1'] });
const otherName = issue(ca, { cn: 'elsewhere.test', sans: ['elsewhere.test'] });
const REPORT = gzipSync(JSON.stringify({ 'organization-name': 'test', policies: [] }));

interface Seen {
  method?: string;
  type?: string;
  body: Buffer;
}
type Reply = { status: number; headers?: Record<string, string>; delayMs?: number };

async function endpoint(cert: { keyPem: string; chainPem: string }) {
  const seen: Seen[] = [];
  let reply: Reply = { status: 200 };
  const server: Server = createServer({ key: cert.keyPem, cert: cert.chainPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, type: req.headers['content-type'], body: Buffer.concat(chunks) });
      const answer = () => res.writeHead(reply.status, reply.headers).end('ok');
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/tlsrpt`;
  return {
    seen,
    url,
    answer: (r: Reply) => {
      reply = r;
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let ep: Awaited<ReturnType<typeof endpoint>>;
let wrong: Awaited<ReturnType<typeof endpoint>>;
before(async () => {
  [ep, wrong] = await Promise.all([endpoint(good), endpoint(otherName)]);
});
after(() => Promise.all([ep?.stop(), wrong?.stop()]));

test('a verified endpoint gets the gzipped report as application/tlsrpt+gzip, and its 2xx counts as taken', async () => {
  ep.answer({ status: 201 });
  assert.equal(await postReport(ep.url, REPORT, { ca: [ca.certPem] }), 201);
  const last = ep.seen.at(-1);
  assert.equal(last?.method, 'POST');
  assert.equal(last?.type, 'application/tlsrpt+gzip');
  assert.deepEqual(JSON.parse(gunzipSync(last?.body ?? Buffer.alloc(0)).toString()), { 'organization-name': 'test', policies: [] });
});

test('not taken: an untrusted CA, a certificate for another name, a redirect (not followed), an error status, a slow endpoint', async () => {
  const before = ep.seen.length;
  await assert.rejects(postReport(ep.url, REPORT), /self-signed|unable to verify|certificate/i, 'system CAs only');
  assert.equal(ep.seen.length, before, 'nothing was sent to an endpoint that did not verify');
  await assert.rejects(postReport(wrong.url, REPORT, { ca: [ca.certPem] }), /altnames|does not match|IP: 127\.0\.0\.1/i);
  assert.equal(wrong.seen.length, 0);

  ep.answer({ status: 302, headers: { location: wrong.url } });
  await assert.rejects(postReport(ep.url, REPORT, { ca: [ca.certPem] }), /answered 302/);
  assert.equal(wrong.seen.length, 0, 'the redirect was not followed');
  ep.answer({ status: 500 });
  await assert.rejects(postReport(ep.url, REPORT, { ca: [ca.certPem] }), /answered 500/);
  ep.answer({ status: 200, delayMs: 2000 });
  await assert.rejects(postReport(ep.url, REPORT, { ca: [ca.certPem], timeoutMs: 300 }), /timed out/);
});
