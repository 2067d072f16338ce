import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DMARC_REJECT_TEXT, type HeaderField, type MessageFacts } from '@mta/shared';
import { sealMessage } from 'mailauth/lib/arc/index.js';
import { lookupOf, split, testSealer } from './arc/testing.ts';
import { enforceStep } from './enforce-step.ts';
import { verifyStep } from './verify-step.ts';

const list = testSealer('lists.example.org');
const lookup = lookupOf([list]);
const CFG = { authservId: 'example.com', trustedSealers: ['lists.example.org'] };

const facts = (headers: HeaderField[], body?: Buffer): MessageFacts => ({
  login: undefined,
  queueId: 'Q1',
  headers,
  overflow: undefined,
  macros: { '{client_addr}': '192.0.2.20' },
  ...(body ? { body } : {}),
});

const MESSAGE = ['From: News <news@bank.example>', 'Subject: [list] news', '', 'body', ''].join('\r\n');
async function sealed(aar: string): Promise<{ headers: HeaderField[]; body: Buffer }> {
  const h = await sealMessage(Buffer.from(MESSAGE), {
    signingDomain: list.domain,
    selector: list.selector,
    privateKey: list.privateKey,
    authResults: aar,
  });
  return split(h.toString() + MESSAGE);
}

test('step one: our-id Authentication-Results and override marks removed from the bottom, ours inserted on top', async () => {
  const m = split(
    [
      'Authentication-Results: other.example; dkim=pass',
      'Authentication-Results: Example.com; dmarc=pass header.from=bank.example',
      'X-MTA-DMARC-Override: arc sealer=lists.example.org',
      'Authentication-Results: (forged) example.com/123; arc=pass arc.chain=lists.example.org',
      'From: news@bank.example',
      '',
      'x',
    ].join('\r\n'),
  );
  const o = await verifyStep(facts(m.headers), CFG, lookup);
  assert.equal(o.removed, 3);
  assert.deepEqual(o.verdict, {
    action: 'accept',
    edits: [
      { op: 'change', index: 3, name: 'Authentication-Results', value: '' },
      { op: 'change', index: 2, name: 'Authentication-Results', value: '' },
      { op: 'change', index: 1, name: 'X-MTA-DMARC-Override', value: '' },
      { op: 'insert', index: 0, name: 'Authentication-Results', value: 'example.com; arc=none smtp.remote-ip=192.0.2.20' },
    ],
  });
});

test('step one: a trusted sealer that saw dmarc=pass for the From domain is named in arc.chain; others are not', async () => {
  const good = await sealed('lists.example.org; dmarc=pass header.from=bank.example');
  const o = await verifyStep(facts(good.headers, good.body), CFG, lookup);
  assert.deepEqual(o.vouch, { sealer: 'lists.example.org', domain: 'bank.example', by: 'dmarc' });
  const top = o.verdict.action === 'accept' ? o.verdict.edits?.at(-1) : undefined;
  assert.equal(top?.value, 'example.com; arc=pass (as.1.lists.example.org=pass) smtp.remote-ip=192.0.2.20 arc.chain=lists.example.org');
  // Not trusted: arc=pass, no arc.chain.
  const untrusted = await verifyStep(facts(good.headers, good.body), { ...CFG, trustedSealers: [] }, lookup);
  assert.equal(untrusted.vouch, undefined);
  // The sealer saw DMARC fail: no vouching.
  const failed = await sealed('lists.example.org; dmarc=fail header.from=bank.example');
  assert.equal((await verifyStep(facts(failed.headers, failed.body), CFG, lookup)).vouch, undefined);
  // Changed after sealing: arc=fail, nothing vouched.
  const changed = await verifyStep(facts(good.headers, Buffer.from('other\r\n')), CFG, lookup);
  assert.equal(changed.arc.result, 'fail');
  assert.equal(changed.vouch, undefined);
});

test('step one: header fields past the limits are not taken (they could not be removed)', async () => {
  const o = await verifyStep({ ...facts([]), overflow: 'count' }, CFG, lookup);
  assert.equal(o.verdict.action, 'reject');
});

const ar = (value: string): HeaderField => ({ name: 'authentication-results', value });
const FROM: HeaderField = { name: 'from', value: 'News <news@bank.example>' };
const ARC_OK = ar('example.com; arc=pass (as.1.lists.example.org=pass) smtp.remote-ip=192.0.2.20 arc.chain=lists.example.org');
const FAIL_REJECT = ar('example.com; dmarc=fail (p=reject dis=none) header.from=bank.example');
const E = { authservId: 'example.com', enforce: true };

test('step two: a DMARC failure OpenDMARC let through on the trusted chain is an override, marked for the spam rule', () => {
  const o = enforceStep(facts([ARC_OK, FROM, FAIL_REJECT]), E);
  assert.equal(o.kind, 'override');
  assert.deepEqual(o.verdict, {
    action: 'accept',
    edits: [{ op: 'add', name: 'X-MTA-DMARC-Override', value: 'arc sealer=lists.example.org domain=bank.example policy=reject' }],
  });
  const q = enforceStep(facts([ARC_OK, FROM, ar('example.com; dmarc=fail (p=quarantine dis=none) header.from=bank.example')]), E);
  assert.equal(q.kind, 'override');
});

test('step two: no override without arc.chain, for a pass, or under p=none', () => {
  const plain = ar('example.com; arc=pass (as.1.lists.example.org=pass) smtp.remote-ip=192.0.2.20');
  assert.equal(enforceStep(facts([plain, FROM, FAIL_REJECT]), E).kind, 'none');
  assert.equal(
    enforceStep(facts([ARC_OK, FROM, ar('example.com; dmarc=pass (p=reject dis=none) header.from=bank.example')]), E).kind,
    'none',
  );
  assert.equal(
    enforceStep(facts([ARC_OK, FROM, ar('example.com; dmarc=fail (p=none dis=none) header.from=bank.example')]), E).kind,
    'none',
  );
  // Another authserv-id's words count for nothing.
  assert.equal(enforceStep(facts([ar(ARC_OK.value.replace('example.com', 'evil.example')), FROM, FAIL_REJECT]), E).kind, 'none');
});

test("step two: a From that is not the domain OpenDMARC judged: p=reject refused with OpenDMARC's text", () => {
  const other = { name: 'from', value: 'x@lists.example.org' };
  const o = enforceStep(facts([ARC_OK, other, FAIL_REJECT]), E);
  assert.equal(o.kind, 'mismatch');
  assert.deepEqual(o.verdict, { action: 'reject', code: 550, dsn: '5.7.1', text: `${DMARC_REJECT_TEXT}: bank.example` });
  // DMARC_POLICY=tag refuses nothing.
  assert.deepEqual(enforceStep(facts([ARC_OK, other, FAIL_REJECT]), { ...E, enforce: false }).verdict, { action: 'accept' });
});
