import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fetchPolicy } from '@mta/mta-sts';
import { type PolicyServer, policyText, startPolicyServer } from './policy-server.ts';

// RFC 8461 §3.3 against a real HTTPS server with a test CA: what is taken, what is refused and why (as a class).
let srv: PolicyServer;
const POLICY = policyText('enforce', ['mx.a.test'], 86400);

before(async () => {
  srv = await startPolicyServer(['mta-sts.a.test', 'mta-sts.b.test']);
});
after(() => srv?.stop());

const get = (domain: string, timeoutMs = 5000, ca = [srv.ca.certPem]) =>
  fetchPolicy(domain, { ca, port: srv.port, lookup: srv.lookup, timeoutMs });

test('a policy over HTTPS with a certificate for mta-sts.<domain> from a trusted CA is fetched', async () => {
  srv.served.set('a.test', { body: POLICY, type: 'text/plain; charset=utf-8' });
  assert.deepEqual(await get('a.test'), { ok: true, text: POLICY });
});

test('refused: an untrusted CA, a certificate for another name, a redirect, another media type, more than 64 KiB, a slow server', async () => {
  srv.served.set('a.test', { body: POLICY });
  const failure = async (p: ReturnType<typeof get>) => {
    const r = await p;
    assert.equal(r.ok, false);
    return r.ok ? '' : r.failure;
  };
  assert.equal(await failure(get('a.test', 5000, [])), 'tls', 'system CAs only: the test CA is not trusted');
  srv.served.set('c.test', { body: POLICY });
  assert.equal(await failure(get('c.test')), 'tls', 'the certificate names mta-sts.a.test and .b.test only');
  srv.served.set('b.test', { status: 301, body: '', headers: { location: 'https://mta-sts.a.test/.well-known/mta-sts.txt' } });
  assert.equal(await failure(get('b.test')), 'status');
  srv.served.set('b.test', { body: POLICY, type: 'text/html' });
  assert.equal(await failure(get('b.test')), 'content-type');
  srv.served.set('b.test', { body: `${POLICY}${'#'.repeat(64 * 1024)}` });
  assert.equal(await failure(get('b.test')), 'too-large');
  srv.served.set('b.test', { body: POLICY, delayMs: 2000 });
  assert.equal(await failure(get('b.test', 300)), 'timeout');
  srv.served.delete('b.test');
  assert.equal(await failure(get('b.test')), 'status', '404');
});
