import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser, fromPublic, fromSeed } from '@nats-io/nkeys';
import { base32Decode, ed25519Sign, ed25519Verify, privateKeyOfSeed, publicKeyOf } from './ed25519.ts';

const text = new TextEncoder().encode('mta-fleet-v1\nlearn\nlearn/spam\n2026-12-08T00:00:00.000Z\nabc');

test('a native signature is byte for byte the NKEY library’s, and each side verifies the other’s', () => {
  for (let i = 0; i < 20; i++) {
    const kp = createUser();
    const seed = new TextDecoder().decode(kp.getSeed());
    const pub = kp.getPublicKey();
    const native = ed25519Sign(privateKeyOfSeed(seed), text);
    const nkeys = fromSeed(new TextEncoder().encode(seed)).sign(text);
    assert.deepEqual(new Uint8Array(native), nkeys);
    assert.equal(fromPublic(pub).verify(text, native), true);
    assert.equal(ed25519Verify(publicKeyOf(pub), text, nkeys), true);
  }
});

test('a tampered text, a wrong key or a malformed signature does not verify', () => {
  const [a, b] = [createUser(), createUser()];
  const sig = a.sign(text);
  const other = new TextEncoder().encode('mta-fleet-v1\nlearn\nlearn/spam\n2026-12-08T00:00:00.000Z\nabd');
  assert.equal(ed25519Verify(publicKeyOf(a.getPublicKey()), other, sig), false);
  assert.equal(ed25519Verify(publicKeyOf(b.getPublicKey()), text, sig), false);
  assert.equal(ed25519Verify(publicKeyOf(a.getPublicKey()), text, sig.subarray(0, 63)), false);
  assert.equal(ed25519Verify(publicKeyOf(a.getPublicKey()), text, new Uint8Array(0)), false);
});

test('base32 as NKEY strings write it', () => {
  assert.deepEqual(base32Decode('MZXW6YTBOI'), Buffer.from('foobar'));
  assert.throws(() => base32Decode('a1'), /not base32/);
});
