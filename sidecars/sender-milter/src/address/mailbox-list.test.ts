import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzStrings, HOSTILE } from '../testing.ts';
import { externalForm, xtext } from './external.ts';
import { AddressSyntaxError } from './lexer.ts';
import { parseMailboxList } from './mailbox-list.ts';

const one = (v: string) => parseMailboxList(v).map((m) => `${m.local}@${m.domain}`);

test('the usual shapes: bare, angle, display names (quoted, RFC 2047, raw UTF-8), comments, folding', () => {
  const cases: [string, string[]][] = [
    ['alice@a.test', ['alice@a.test']],
    ['<alice@a.test>', ['alice@a.test']],
    ['Alice Liddell <alice@a.test>', ['alice@a.test']],
    ['"Liddell, Alice" <alice@a.test>', ['alice@a.test']],
    ['"Boss <boss@b.test>" <alice@a.test>', ['alice@a.test']],
    ['=?utf-8?q?B=C3=B6ss?= <alice@a.test>', ['alice@a.test']],
    ['=?utf-8?b?Ym9zc0BiLnRlc3Q=?= <alice@a.test>', ['alice@a.test']],
    ['Jos\u00c3\u00a9 <alice@a.test>', ['alice@a.test']],
    ['John Q. Public <alice@a.test>', ['alice@a.test']],
    ['alice@a.test (Alice (the boss@b.test))', ['alice@a.test']],
    ['(c) <alice@a.test> (c)', ['alice@a.test']],
    ['Alice\r\n <alice@a.test>', ['alice@a.test']],
    ['Alice\n\t<alice@a.test>\n', ['alice@a.test']],
    ['first.last@sub.a.test', ['first.last@sub.a.test']],
    ['"first last"@a.test', ['first last@a.test']],
    ['"a\\"b"@a.test', ['a"b@a.test']],
    ['"x,mallory,y"@a.test', ['x,mallory,y@a.test']],
    ['a@b.test, <c@d.test>', ['a@b.test', 'c@d.test']],
  ];
  for (const [v, want] of cases) assert.deepEqual(one(v), want, v);
});

test('refused: groups, routes, literals, white space or comments inside an address, odd domains, sizes', () => {
  const bad = [
    '',
    '   ',
    '(only a comment)',
    'Alice',
    'undisclosed-recipients:;',
    'team: alice@a.test;',
    '<@relay.test:alice@a.test>',
    'alice@[192.0.2.1]',
    'alice @a.test',
    'alice@ a.test',
    'alice(x)@a.test',
    '<alice@a.test',
    'alice@a.test>',
    'Boss boss@b.test <alice@a.test>',
    'boss@b.test <alice@a.test>',
    '<alice@a.test> <boss@b.test>',
    '<alice@a.test> boss@b.test',
    'alice@a.test,',
    ',alice@a.test',
    'a@b.test,,c@d.test',
    '"unterminated@a.test',
    'alice@a.test (unterminated',
    '.alice@a.test',
    'alice.@a.test',
    'al..ice@a.test',
    'alice@a..test',
    'alice@-a.test',
    'alice@a_b!.test',
    'alice@b\u00fccher.test',
    'j\u00f6rg@a.test',
    '"a@b"@c.test',
    '""@a.test',
    'alice@a.test\r\nBcc: x@y.test',
    'ali\u0000ce@a.test',
    'a\\b@c.test',
    `${'a'.repeat(65)}@a.test`,
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.test`,
    Array.from({ length: 21 }, (_, i) => `a${i}@b.test`).join(','),
    `${'('.repeat(9)}x${')'.repeat(9)} alice@a.test`,
  ];
  for (const v of bad) assert.throws(() => parseMailboxList(v), AddressSyntaxError, JSON.stringify(v));
});

test('external form quotes what is not a dot-atom; xtext escapes for XCLIENT', () => {
  assert.equal(externalForm({ local: 'alice.b+tag', domain: 'a.test' }), 'alice.b+tag@a.test');
  assert.equal(externalForm({ local: 'x,mallory,y', domain: 'a.test' }), '"x,mallory,y"@a.test');
  assert.equal(externalForm({ local: 'a"b\\c', domain: 'a.test' }), '"a\\"b\\\\c"@a.test');
  assert.equal(externalForm({ local: '.a', domain: 'a.test' }), '".a"@a.test');
  assert.equal(xtext('alice'), 'alice');
  assert.equal(xtext('a b+c=d\u00e9'), 'a+20b+2Bc+3Dd+C3+A9');
});

test('fuzz: any input parses or throws AddressSyntaxError, in bounded time, never anything else', () => {
  const start = performance.now();
  let parsed = 0;
  for (const s of fuzzStrings(42, 20000, HOSTILE, 60)) {
    try {
      const r = parseMailboxList(s);
      parsed++;
      for (const m of r) {
        assert.ok(m.local.length > 0 && m.domain.length > 0, s);
        assert.doesNotMatch(m.domain, /[^A-Za-z0-9_.-]/, s);
      }
    } catch (e) {
      assert.ok(e instanceof AddressSyntaxError, `${JSON.stringify(s)}: ${(e as Error).stack}`);
    }
  }
  // Long pathological inputs stay linear.
  for (const s of [
    '('.repeat(100000),
    '"'.repeat(100001),
    'a.'.repeat(50000),
    `${'a@'.repeat(50000)}`,
    '\\'.repeat(100000),
    ' '.repeat(100000),
  ])
    assert.throws(() => parseMailboxList(s), AddressSyntaxError);
  assert.ok(parsed > 0);
  assert.ok(performance.now() - start < 20_000);
});
