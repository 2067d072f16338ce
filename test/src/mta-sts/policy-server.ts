import { createServer, type Server } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { type Issued, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';

// What the test policy server answers for one domain (mta-sts.<domain>); absent: 404.
export interface Served {
  status?: number;
  type?: string;
  body: string;
  headers?: Record<string, string>;
  // Waits this long before answering (timeouts).
  delayMs?: number;
}

export interface PolicyServer {
  ca: TestCa;
  port: number;
  // Domain -> what is served; change it while running.
  served: Map<string, Served>;
  // Requests per domain.
  hits: Map<string, number>;
  // Resolves every name to 127.0.0.1 (the sidecar's fetch option; the world's DNS would say the same).
  lookup: LookupFunction;
  issue: (names: string[]) => Issued;
  stop: () => Promise<void>;
}

export const policyText = (mode: string, mx: string[], maxAge: number): string =>
  ['version: STSv1', `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${maxAge}`, ''].join('\r\n');

// A real HTTPS server with a certificate from a test CA for mta-sts.<each domain> (the certificate names `names`),
// serving /.well-known/mta-sts.txt per Host.
export async function startPolicyServer(names: string[]): Promise<PolicyServer> {
  const ca = makeCa('mta-sts test CA');
  const cert = issue(ca, { cn: names[0] ?? 'mta-sts.test', sans: names });
  const served = new Map<string, Served>();
  const hits = new Map<string, number>();
  const server: Server = createServer({ key: cert.keyPem, cert: cert.chainPem }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^mta-sts\./, '');
    hits.set(host, (hits.get(host) ?? 0) + 1);
    const s = served.get(host);
    const answer = () => {
      if (!s || req.url !== '/.well-known/mta-sts.txt') return void res.writeHead(404).end('not found');
      res.writeHead(s.status ?? 200, { 'content-type': s.type ?? 'text/plain', ...s.headers });
      res.end(s.body);
    };
    if (s?.delayMs) setTimeout(answer, s.delayMs);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const lookup = ((_host: string, opts: unknown, cb: (...a: unknown[]) => void) => {
    const all = typeof opts === 'object' && opts !== null && (opts as { all?: boolean }).all;
    if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  }) as unknown as LookupFunction;
  return {
    ca,
    port: (server.address() as AddressInfo).port,
    served,
    hits,
    lookup,
    issue: (n) => issue(ca, { cn: n[0] ?? 'x', sans: n }),
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
