import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anchor, cell, code, firstSentence, plain } from './markup.ts';

// [function, input, expected]: one table instead of one test per helper.
const CASES: [string, (s: string) => string, string, string][] = [
  // code picks a fence longer than any backtick run inside
  ['code', code, 'a|b', '`a|b`'],
  ['code', code, 'x `y` z', '``x `y` z``'],
  ['code', code, '`edge', '`` `edge ``'],
  // plain strips code spans back to their content
  ['plain', plain, 'use `X__FILE=/p` or ``a `b` c``', 'use X__FILE=/p or a `b` c'],
  ['plain', plain, code('`edge'), '`edge'],
  // cell escapes pipes and newlines; anchor matches GitHub headings
  ['cell', cell, '`a | b`\nc', '`a \\| b` c'],
  ['anchor', anchor, 'SMTP_RELAY_HOSTAUTH', 'smtp_relay_hostauth'],
  ['anchor', anchor, 'Secrets from files (X__FILE)', 'secrets-from-files-x__file'],
  // firstSentence stops at a full stop followed by a capital
  ['firstSentence', firstSentence, 'One thing (e.g. 6.2). Then more.', 'One thing (e.g. 6.2).'],
  ['firstSentence', firstSentence, 'Version 6.2 is fine. Then more.', 'Version 6.2 is fine.'],
  ['firstSentence', firstSentence, 'no stop', 'no stop'],
];

test('markdown helpers: code fences, plain text, table cells, anchors, first sentences', () => {
  for (const [name, fn, input, want] of CASES) assert.equal(fn(input), want, `${name}(${JSON.stringify(input)})`);
});
