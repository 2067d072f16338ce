import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trustStore, verifyChain } from '@mta/acme-watch/chain';
import { issue, makeCa } from '../acme/certs.ts';

test('a chain to the fleet CA is trusted; a self-made CA, an expired leaf and a foreign key are not', async () => {
  const fleetCa = makeCa('fleet CA');
  const rogueCa = makeCa('rogue CA');
  const good = issue(fleetCa, { cn: 'mx.example.com' });
  const ca = trustStore(fleetCa.certPem);
  assert.deepEqual(await verifyChain(good.chainPem, good.keyPem, ca), { ok: true });
  const rogue = issue(rogueCa, { cn: 'mx.example.com' });
  const r1 = await verifyChain(rogue.chainPem, rogue.keyPem, ca);
  assert.equal(r1.ok, false);
  assert.match(r1.ok ? '' : r1.reason, /not trusted/);
  const expired = issue(fleetCa, {
    cn: 'mx.example.com',
    notBefore: new Date(Date.now() - 10 * 86_400_000),
    notAfter: new Date(Date.now() - 86_400_000),
  });
  assert.match(JSON.stringify(await verifyChain(expired.chainPem, expired.keyPem, ca)), /CERT_HAS_EXPIRED|expired/i);
  // Without the fleet CA, only public CAs count.
  assert.equal((await verifyChain(good.chainPem, good.keyPem, trustStore())).ok, false);
  assert.equal((await verifyChain(good.chainPem, rogue.keyPem, ca)).ok, false);
});
