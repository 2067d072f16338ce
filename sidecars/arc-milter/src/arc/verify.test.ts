import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sealMessage } from 'mailauth/lib/arc/index.js';
import { lookupOf, split, testSealer } from './testing.ts';
import { verifyArc } from './verify.ts';

// Messages sealed by mailauth, an implementation independent of this verifier.
const list = testSealer('lists.example.org');
const second = testSealer('fwd.example.net', 'ed25519');
const lookup = lookupOf([list, second]);

const MESSAGE = [
  'From: News <news@bank.example>',
  'To: someone@lists.example.org',
  'Subject: [list] the news',
  '  folded',
  'Date: Mon, 7 Dec 2026 10:00:00 +0000',
  'Message-ID: <1@bank.example>',
  '',
  'Hello  there,\t',
  '',
  '-- footer added by the list',
  '',
  '',
].join('\r\n');

async function seal(raw: string, s = list, o: { cv?: string; aar?: string } = {}): Promise<string> {
  const headers = await sealMessage(Buffer.from(raw), {
    signingDomain: s.domain,
    selector: s.selector,
    privateKey: s.privateKey,
    authResults: o.aar ?? `${s.domain}; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example`,
    ...(o.cv ? { cv: o.cv } : {}),
  });
  assert.ok(headers.length, 'mailauth sealed the message');
  return headers.toString() + raw;
}

test('no ARC fields: none', async () => {
  const m = split(MESSAGE);
  assert.deepEqual(await verifyArc(m.headers, m.body, lookup), { result: 'none' });
});

test('one set (RSA) passes: the sealer and its results', async () => {
  const m = split(await seal(MESSAGE));
  const r = await verifyArc(m.headers, m.body, lookup);
  assert.deepEqual(r, {
    result: 'pass',
    sets: [{ i: 1, sealer: 'lists.example.org' }],
    newestResults: 'lists.example.org; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example',
    oldestPass: 0,
  });
});

test('two sets, the newer Ed25519: pass, newest first', async () => {
  const m = split(await seal(await seal(MESSAGE), second, { cv: 'pass', aar: 'fwd.example.net; arc=pass' }));
  const r = await verifyArc(m.headers, m.body, lookup);
  assert.equal(r.result, 'pass');
  assert.deepEqual(r.result === 'pass' && r.sets, [
    { i: 2, sealer: 'fwd.example.net' },
    { i: 1, sealer: 'lists.example.org' },
  ]);
});

test('oldest-pass: 0 while every message signature verifies, else the oldest instance that still does', async () => {
  const oldest = async (raw: string) => {
    const m = split(raw);
    const r = await verifyArc(m.headers, m.body, lookup);
    assert.equal(r.result, 'pass', JSON.stringify(r));
    return r.result === 'pass' ? r.oldestPass : -1;
  };
  const once = await seal(MESSAGE);
  assert.equal(await oldest(await seal(once, second, { cv: 'pass' })), 0);
  // A second hop appends its own footer before sealing: set 1's body hash no longer matches, set 2's does.
  const footed = `${once}-- second footer\r\n`;
  const twice = await seal(footed, second, { cv: 'pass' });
  assert.equal(await oldest(twice), 2);
  // A third hop that changes nothing: the oldest verifying signature is still set 2's.
  const third = testSealer('third.example');
  const thrice = split(await seal(twice, third, { cv: 'pass' }));
  const r = await verifyArc(thrice.headers, thrice.body, lookupOf([list, second, third]));
  assert.equal(r.result === 'pass' && r.oldestPass, 2);
  // A subject tag before set 2 breaks set 1's header hash, not its body hash: the same.
  const tagged = once.replace('Subject: [list]', 'Subject: [fwd] [list]');
  assert.equal(await oldest(await seal(tagged, second, { cv: 'pass' })), 2);
});

test('the body changed after sealing: fail', async () => {
  const m = split((await seal(MESSAGE)).replace('the list', 'someone else'));
  assert.deepEqual(await verifyArc(m.headers, m.body, lookup), { result: 'fail', reason: 'ams.1 body changed' });
});

test('a signed header changed after sealing: fail', async () => {
  const m = split((await seal(MESSAGE)).replace('Subject: [list]', 'Subject: [evil]'));
  assert.deepEqual(await verifyArc(m.headers, m.body, lookup), { result: 'fail', reason: 'ams.1 signature does not verify' });
});

test('the sealed results changed (dmarc=fail made pass): the seal breaks', async () => {
  const sealed = await seal(MESSAGE, list, { aar: 'lists.example.org; dmarc=fail header.from=bank.example' });
  const m = split(sealed.replace('dmarc=fail', 'dmarc=pass'));
  assert.deepEqual(await verifyArc(m.headers, m.body, lookup), { result: 'fail', reason: 'as.1 signature does not verify' });
});

test('cv=fail, a missing or doubled field, an unknown key: fail', async () => {
  const failed = split(await seal(await seal(MESSAGE), second, { cv: 'fail' }));
  assert.deepEqual(await verifyArc(failed.headers, failed.body, lookup), { result: 'fail', reason: 'as.2 cv=fail' });
  const m = split(await seal(MESSAGE));
  const noAar = m.headers.filter((h) => h.name !== 'arc-authentication-results');
  assert.deepEqual(await verifyArc(noAar, m.body, lookup), { result: 'fail', reason: 'set 1 incomplete' });
  const seal1 = m.headers.find((h) => h.name === 'arc-seal');
  assert.ok(seal1);
  assert.deepEqual(await verifyArc([seal1, ...m.headers], m.body, lookup), { result: 'fail', reason: 'duplicate seal at i=1' });
  assert.deepEqual(await verifyArc(m.headers, m.body, lookupOf([])), { result: 'fail', reason: 'ams.1 no key' });
  assert.deepEqual(await verifyArc(m.headers, 'too-large', lookup), { result: 'fail', reason: 'message too large to verify' });
});

test('a forged set 1 added to a message with a real one: the chain fails', async () => {
  const mallory = testSealer('lists.example.org');
  const forged = split(await seal(MESSAGE, mallory));
  // Published key is `list`'s, so mallory's key does not verify.
  assert.equal((await verifyArc(forged.headers, forged.body, lookup)).result, 'fail');
});
