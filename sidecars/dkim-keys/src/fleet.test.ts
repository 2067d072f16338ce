import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { fleetStep } from './fleet.ts';
import { inspectKey } from './keyinfo.ts';

const key = () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
const pkcs1 = (k: ReturnType<typeof key>) => Buffer.from(String(k.export({ format: 'pem', type: 'pkcs1' })));
const pkcs8 = (k: ReturnType<typeof key>) => Buffer.from(String(k.export({ format: 'pem', type: 'pkcs8' })));
const local = (b: Buffer) => {
  const r = inspectKey(b);
  return { bytes: b, fingerprint: r.ok ? r.info.fingerprint : undefined };
};

test('the fleet key is adopted when there is none here, and kept when the bytes are equal', () => {
  const k = pkcs1(key());
  assert.deepEqual(fleetStep(undefined, k, inspectKey(k)), { step: 'adopt' });
  assert.deepEqual(fleetStep({ bytes: Buffer.alloc(0) }, k, inspectKey(k)), { step: 'adopt' });
  assert.deepEqual(fleetStep(local(Buffer.from(k)), k, inspectKey(k)), { step: 'keep' });
});

test('the same key in another encoding is rewritten quietly, a different key is replaced (first writer wins)', () => {
  const k = key();
  const fleet = pkcs1(k);
  assert.deepEqual(fleetStep(local(pkcs8(k)), fleet, inspectKey(fleet)), { step: 'rewrite' });
  const other = local(pkcs1(key()));
  assert.deepEqual(fleetStep(other, fleet, inspectKey(fleet)), { step: 'replace', localFingerprint: other.fingerprint });
  assert.deepEqual(fleetStep(local(Buffer.from('garbage')), fleet, inspectKey(fleet)), { step: 'replace', localFingerprint: undefined });
});

test('an unusable fleet value never replaces a local key and its reason does not quote it', () => {
  const bad = Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nnot really\n-----END RSA PRIVATE KEY-----\n');
  const step = fleetStep(local(pkcs1(key())), bad, inspectKey(bad));
  assert.equal(step.step, 'refuse');
  assert.doesNotMatch(JSON.stringify(step), /not really/);
});

test('only keys for served domains, no weaker than DKIM_KEYBITS, are taken from the fleet', () => {
  const k = pkcs1(key());
  const policy = { served: new Set(['a.test']), minBits: 1024 };
  assert.deepEqual(fleetStep(undefined, k, inspectKey(k), policy, 'a.test'), { step: 'adopt' });
  assert.match(JSON.stringify(fleetStep(undefined, k, inspectKey(k), policy, 'b.test')), /not a domain this node serves/);
  assert.match(
    JSON.stringify(fleetStep(undefined, k, inspectKey(k), { ...policy, minBits: 2048 }, 'a.test')),
    /1024-bit key, below DKIM_KEYBITS=2048/,
  );
});
