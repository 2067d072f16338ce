import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anchor, cell, code, firstSentence, plain } from './markup.ts';

test('code picks a fence longer than any backtick run inside', () => {
  assert.equal(code('a|b'), '`a|b`');
  assert.equal(code('x `y` z'), '``x `y` z``');
  assert.equal(code('`edge'), '`` `edge ``');
});

test('plain strips code spans back to their content', () => {
  assert.equal(plain('use `X__FILE=/p` or ``a `b` c``'), 'use X__FILE=/p or a `b` c');
  assert.equal(plain(code('`edge')), '`edge');
});

test('cell escapes pipes and newlines; anchor matches GitHub headings', () => {
  assert.equal(cell('`a | b`\nc'), '`a \\| b` c');
  assert.equal(anchor('SMTP_RELAY_HOSTAUTH'), 'smtp_relay_hostauth');
  assert.equal(anchor('Secrets from files (X__FILE)'), 'secrets-from-files-x__file');
});

test('firstSentence stops at a full stop followed by a capital', () => {
  assert.equal(firstSentence('One thing (e.g. 6.2). Then more.'), 'One thing (e.g. 6.2).');
  assert.equal(firstSentence('Version 6.2 is fine. Then more.'), 'Version 6.2 is fine.');
  assert.equal(firstSentence('no stop'), 'no stop');
});
