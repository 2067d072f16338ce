import type { LookupFunction } from 'node:net';
import type { Outcome } from '@mta/shared';
import { POLICY_MAX_BYTES } from './policy.ts';

// Why a fetch failed, as a class (metrics and events carry these, never the server's text).
export type FetchFailure = 'tls' | 'status' | 'content-type' | 'too-large' | 'timeout' | 'network';

export interface FetchOptions {
  timeoutMs?: number;
  // Extra trust anchors besides the system CAs (tests: a test CA).
  ca?: readonly string[];
  // Tests: the policy server's port (443 in the world) and how its name resolves.
  port?: number;
  lookup?: LookupFunction;
}

export type FetchResult = Outcome<{ text: string }, { failure: FetchFailure }>;

// GET https://mta-sts.<domain>/.well-known/mta-sts.txt as RFC 8461 §3.3 asks: the certificate must verify against
// the trust store and name mta-sts.<domain> (node's own checks, SNI set), a 200 with text/plain, no redirect
// followed, at most 64 KiB, within the timeout (connect to last byte).
export async function fetchPolicy(domain: string, opts: FetchOptions = {}): Promise<FetchResult> {
  // Loaded on the first fetch: an idle sidecar (or one that only publishes) never holds the HTTPS client.
  const [{ request }, { rootCertificates }] = await Promise.all([import('node:https'), import('node:tls')]);
  const host = `mta-sts.${domain}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    let settled = false;
    const fail = (failure: FetchFailure, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok: false, failure, reason });
    };
    const req = request({
      host,
      servername: host,
      port: opts.port ?? 443,
      path: '/.well-known/mta-sts.txt',
      method: 'GET',
      headers: { 'user-agent': 'mta-sts', accept: 'text/plain' },
      ca: opts.ca?.length ? [...rootCertificates, ...opts.ca] : undefined,
      lookup: opts.lookup,
      // A fresh connection each time: no session or socket of another domain's fetch is reused.
      agent: false,
    });
    const timer = setTimeout(() => fail('timeout', `no complete answer from ${host} within ${timeoutMs} ms`), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      const tls = /CERT|SSL|TLS|self.signed|altname|issuer/i.test(`${e.code ?? ''} ${e.message}`);
      fail(tls ? 'tls' : 'network', `${host}: ${e.code ?? e.message}`);
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return fail('status', `${host} answered HTTP ${res.statusCode} (redirects are not followed)`);
      const type = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type !== 'text/plain') return fail('content-type', `${host} served ${type || 'no content type'}, not text/plain`);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > POLICY_MAX_BYTES) return fail('too-large', `${host} sent more than ${POLICY_MAX_BYTES} bytes`);
        chunks.push(c);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => fail('network', `${host}: ${e.message}`));
    });
    req.end();
  });
}
