import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { dkimPublicKey } from '@mta/shared';
import { generateRsaKey } from './generate.ts';
import { inspectKey, inspectPublicKey } from './keyinfo.ts';

test('a generated key is PKCS#1 PEM with the asked size, and its DNS value holds its public key', async () => {
  const pem = await generateRsaKey(1024);
  assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  const r = inspectKey(pem);
  assert.ok(r.ok);
  assert.equal(r.info.bits, 1024);
  const spki = createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' });
  assert.equal(dkimPublicKey(r.info.dnsValue), spki.toString('base64'));
  assert.match(r.info.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(inspectPublicKey(r.info.publicKey)?.fingerprint, r.info.fingerprint);
});

test('PKCS#8 files give the same facts as PKCS#1', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const a = inspectKey(privateKey.export({ format: 'pem', type: 'pkcs1' }));
  const b = inspectKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  assert.ok(a.ok && b.ok);
  assert.deepEqual(a.info, b.info);
});

test('bad files are refused with a reason that never quotes them', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ format: 'pem', type: 'pkcs1' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' });
  const cases: [string, RegExp][] = [
    ['garbage', /not a PEM private key/],
    [String(small), /512-bit RSA key; at least 1024/],
    [String(ec), /ec key; DKIM here needs RSA/],
  ];
  for (const [input, want] of cases) {
    const r = inspectKey(input);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.reason, want);
      assert.ok(!r.reason.includes('BEGIN'));
    }
  }
  assert.equal(inspectPublicKey('bm9wZQ=='), undefined);
});

test('2048-bit generation runs natively off the event loop (timers keep firing meanwhile)', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const pem = await generateRsaKey(2048);
  clearInterval(timer);
  const r = inspectKey(pem);
  assert.ok(r.ok && r.info.bits === 2048);
  assert.ok(ticks > 0, 'the event loop was blocked during key generation');
});
