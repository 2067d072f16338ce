import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '@nats-io/nkeys';
import { openEntry, seal } from './envelope.ts';
import { FleetIdentity } from './identity.ts';

const seed = () => new TextDecoder().decode(createUser().getSeed());
const body = new TextEncoder().encode('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');

async function fleet() {
  const [s1, s2, rogue] = [seed(), seed(), seed()];
  const pub = async (s: string) => (await FleetIdentity.load(s, 'x')).publicKey;
  const trust = [
    { name: 'mx1', key: await pub(s1) },
    { name: 'mx2', key: await pub(s2) },
  ];
  return {
    mx1: await FleetIdentity.load(s1, 'mx1', trust),
    mx2: await FleetIdentity.load(s2, 'mx2', trust),
    rogue: await FleetIdentity.load(rogue, 'rogue', trust),
  };
}

test('an entry sealed by a trusted node opens on another node, with its signer', async () => {
  const { mx1, mx2 } = await fleet();
  const r = openEntry(mx2, 'mta-dkim', 'a.test.default', seal(mx1, 'mta-dkim', 'a.test.default', body));
  assert.ok(r.ok);
  assert.equal(r.signer, 'mx1');
  assert.equal(r.op, 'put');
  assert.equal(r.self, false);
  assert.deepEqual(new Uint8Array(r.body), body);
});

test('refused: unsigned, untrusted signer, tampered body, moved to another key or bucket, replayed, from the future', async () => {
  const { mx1, mx2, rogue } = await fleet();
  const why = (bytes: Uint8Array, key = 'a.test.default', bucket = 'mta-dkim', notBefore?: string) => {
    const r = openEntry(mx2, bucket, key, bytes, notBefore);
    return r.ok ? 'accepted' : r.reason;
  };
  assert.match(why(body), /not a signed fleet entry/);
  assert.match(why(seal(rogue, 'mta-dkim', 'a.test.default', body)), /not in MTA_FLEET_TRUST/);
  const good = seal(mx1, 'mta-dkim', 'a.test.default', body);
  const env = JSON.parse(new TextDecoder().decode(good));
  const forged = { ...env, body: Buffer.from('other key').toString('base64') };
  assert.match(why(new TextEncoder().encode(JSON.stringify(forged))), /bad signature/);
  // A rogue that claims a trusted signer but signs with its own key.
  const claimed = { ...JSON.parse(new TextDecoder().decode(seal(rogue, 'mta-dkim', 'a.test.default', body))), signer: mx1.publicKey };
  assert.match(why(new TextEncoder().encode(JSON.stringify(claimed))), /bad signature/);
  assert.match(why(good, 'b.test.default'), /bad signature/);
  assert.match(why(good, 'a.test.default', 'mta-certs'), /bad signature/);
  const retire = JSON.parse(new TextDecoder().decode(seal(mx1, 'mta-dkim', 'a.test.default')));
  assert.match(why(new TextEncoder().encode(JSON.stringify({ ...retire, op: 'put', body: env.body }))), /bad signature/);
  const later = new Date(Date.now() + 60_000).toISOString();
  assert.match(why(good, 'a.test.default', 'mta-dkim', later), /older than the entry applied/);
  assert.match(why(seal(mx1, 'mta-dkim', 'a.test.default', body, new Date(Date.now() + 3_600_000))), /in the future/);
  assert.equal(why(good), 'accepted');
});

test('a retirement is signed like a value, without a body', async () => {
  const { mx1, mx2 } = await fleet();
  const r = openEntry(mx2, 'mta-certs', 'mx.a.test', seal(mx1, 'mta-certs', 'mx.a.test'));
  assert.ok(r.ok);
  assert.equal(r.op, 'retire');
  assert.equal(r.body.length, 0);
});

test('a seed with a broken checksum does not load', async () => {
  const s = seed();
  // A character inside the key (the last one may only carry padding bits, so changing it can leave the bytes as they were).
  const broken = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  await assert.rejects(FleetIdentity.load(broken, 'x'));
});
