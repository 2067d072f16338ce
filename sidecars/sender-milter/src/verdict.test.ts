import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageFacts } from '@mta/shared';
import type { Ownership } from './check/ownership.ts';
import { fuzzStrings } from './testing.ts';
import { type AskOwner, decide, readField } from './verdict.ts';

// alice owns alice@a.test (any case); everything else belongs to someone else.
const asked: string[][] = [];
const ask: AskOwner = async (login, addresses) => {
  asked.push([login, ...addresses]);
  return addresses.map(
    (a): Ownership =>
      login === 'alice' && a.toLowerCase() === 'alice@a.test' ? { owned: true } : { owned: false, reply: '553 5.7.1 not owned' },
  );
};
const msg = (headers: [string, string][], login: string | null = 'alice'): MessageFacts => ({
  login: login ?? undefined,
  queueId: 'Q1',
  headers: headers.map(([name, value]) => ({ name, value })),
  overflow: undefined,
  macros: {},
});

test('owned From, Sender and Resent-* pass; one question per distinct address', async () => {
  asked.length = 0;
  const d = await decide(
    msg([
      ['from', 'Alice <alice@a.test>'],
      ['sender', 'ALICE@a.test'],
      ['resent-from', 'alice@a.test'],
    ]),
    ask,
  );
  assert.deepEqual(d.verdict, { action: 'accept' });
  assert.deepEqual(asked, [['alice', 'alice@a.test']]);
  // No sender fields at all: nothing to ask (postfix checked the envelope).
  assert.deepEqual((await decide(msg([]), ask)).verdict, { action: 'accept' });
});

test('a header address the login does not own: 550 5.7.1 naming the field, never the address', async () => {
  for (const [field, name] of [
    ['from', 'From'],
    ['sender', 'Sender'],
    ['resent-from', 'Resent-From'],
    ['resent-sender', 'Resent-Sender'],
  ] as const) {
    const headers: [string, string][] = field === 'from' ? [] : [['from', 'alice@a.test']];
    const d = await decide(msg([...headers, [field, 'Boss <boss@b.test>']]), ask);
    assert.equal(d.reason, 'not-owned', field);
    assert.equal(d.field, field);
    assert.equal(d.address, 'boss@b.test');
    assert.deepEqual(d.verdict, { action: 'reject', code: 550, dsn: '5.7.1', text: `${name}: names a sender this login may not use` });
  }
  // Quoted local parts are asked in SMTP form: postfix decides on exactly what the envelope would say.
  asked.length = 0;
  const q = await decide(msg([['from', '"x,alice,y"@a.test']]), ask);
  assert.equal(q.reason, 'not-owned');
  assert.deepEqual(asked, [['alice', '"x,alice,y"@a.test']]);
});

test('structure: two From or Sender fields, several addresses in From/Sender, unreadable or ambiguous fields', async () => {
  const cases: [[string, string][], string][] = [
    [
      [
        ['from', 'alice@a.test'],
        ['from', 'alice@a.test'],
      ],
      'several-fields',
    ],
    [
      [
        ['sender', 'alice@a.test'],
        ['sender', 'alice@a.test'],
      ],
      'several-fields',
    ],
    [[['from', 'alice@a.test, boss@b.test']], 'several-addresses'],
    [[['from', 'alice@a.test, alice@a.test']], 'several-addresses'],
    [[['sender', 'alice@a.test, boss@b.test']], 'several-addresses'],
    [[['from', 'team: alice@a.test;']], 'unreadable'],
    [[['from', 'boss@b.test <alice@a.test>']], 'unreadable'],
    [[['from', '']], 'unreadable'],
    [[['from', '"a>b" <alice@a.test>']], 'ambiguous'],
  ];
  for (const [headers, reason] of cases) {
    const d = await decide(msg(headers), ask);
    assert.equal(d.reason, reason, JSON.stringify(headers));
    assert.equal(d.verdict.action, 'reject');
    if (d.verdict.action === 'reject') assert.equal(d.verdict.dsn, '5.7.1');
  }
  // amavis keeps one space of "a@b  (c)"; white space at the ends changes no domain, so that is not ambiguous.
  assert.deepEqual((await decide(msg([['from', 'alice@a.test  (two spaces)']]), ask)).verdict, { action: 'accept' });
  // Resent-From may list several (all must be owned).
  const many = await decide(msg([['resent-from', 'alice@a.test, boss@b.test']]), ask);
  assert.equal(many.reason, 'not-owned');
  assert.equal(many.address, 'boss@b.test');
});

test('no login: deferred (a configuration fault); XCLIENT\'s words for "no login" and controls: refused', async () => {
  const none = await decide(msg([['from', 'alice@a.test']], null), ask);
  assert.equal(none.verdict.action, 'tempfail');
  assert.equal(none.reason, 'no-login');
  for (const login of ['[UNAVAILABLE]', '[tempunavail]', 'a\nb'])
    assert.equal((await decide(msg([], login), ask)).reason, 'unusable-login');
});

test('the check failing defers; over the limits refuses', async () => {
  const down = await decide(msg([['from', 'alice@a.test']]), async () => {
    throw new Error('socket gone');
  });
  assert.equal(down.verdict.action, 'tempfail');
  assert.equal(down.reason, 'check-unavailable');
  const over = await decide({ ...msg([]), overflow: 'count' }, ask);
  assert.equal(over.reason, 'too-many');
  const list = Array.from({ length: 11 }, (_, i) => `a${i}@b.test`).join(', ');
  assert.equal((await decide(msg([['resent-from', list]]), ask)).reason, 'too-many');
});

test('fuzz: mutated real headers never crash; what is accepted reads the same to amavis', () => {
  const seeds = ['"Boss, The" <boss@b.test>', 'alice@a.test (x)', '=?utf-8?q?x?= <a.b+c@d.test>', '"q\\"x"@a.test'];
  const alphabet = '<>@,:;()"\\[]. \t\r\nab\u00e9';
  let n = 0;
  for (const base of seeds)
    for (const noise of fuzzStrings(n++ + 3, 5000, alphabet, 4)) {
      const at = noise.length ? noise.charCodeAt(0) % (base.length + 1) : 0;
      const v = base.slice(0, at) + noise + base.slice(at + (noise.length % 3));
      const r = readField(v);
      assert.ok(r === 'unreadable' || r === 'ambiguous' || Array.isArray(r), v);
    }
});
