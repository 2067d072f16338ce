import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ownPolicy } from '@mta/shared';
import { parsePolicy } from './policy.ts';
import { startPolicyEndpoint } from './publish.ts';

// node:http, since a fetch() client picks the Host header itself.
const get = (port: number, host: string, path = '/.well-known/mta-sts.txt', method = 'GET') =>
  new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });

test('the endpoint serves our policy for mta-sts.<each MAIL_DOMAIN> only, as text/plain that parses', async () => {
  const policy = ownPolicy({
    MTA_STS_PUBLISH: 'enforce',
    MTA_STS_MX: ['mx1.a.test', '*.mx.a.test'],
    MTA_STS_MAX_AGE: 604800,
    HOSTNAME: 'mx1.a.test',
  });
  assert.ok(policy);
  const server = await startPolicyEndpoint({ host: '127.0.0.1', port: 0, policy, domains: ['a.test', 'b.test'] });
  const { port } = server.address() as AddressInfo;
  try {
    for (const host of ['mta-sts.a.test', 'MTA-STS.b.test:443', 'mta-sts.a.test.']) {
      const r = await get(port, host);
      assert.equal(r.status, 200, host);
      assert.equal(r.type, 'text/plain');
      assert.deepEqual(parsePolicy(r.body), { ok: true, policy: { mode: 'enforce', maxAge: 604800, mx: ['mx1.a.test', '*.mx.a.test'] } });
    }
    assert.equal((await get(port, 'mta-sts.other.test')).status, 404, 'not our domain');
    assert.equal((await get(port, 'a.test')).status, 404, 'not the mta-sts name');
    assert.equal((await get(port, 'mta-sts.a.test', '/')).status, 404);
    assert.equal((await get(port, 'mta-sts.a.test', '/.well-known/mta-sts.txt', 'POST')).status, 405);
    const head = await get(port, 'mta-sts.a.test', '/.well-known/mta-sts.txt', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('HOSTNAME is the MX name by default; publishing off serves nothing', () => {
  assert.match(
    ownPolicy({ MTA_STS_PUBLISH: 'testing', MTA_STS_MX: undefined, MTA_STS_MAX_AGE: 86400, HOSTNAME: 'MX.a.test' })?.text ?? '',
    /^mx: mx\.a\.test\r$/m,
  );
  assert.equal(ownPolicy({ MTA_STS_PUBLISH: 'off', MTA_STS_MX: undefined, MTA_STS_MAX_AGE: 86400, HOSTNAME: 'mx.a.test' }), undefined);
});
