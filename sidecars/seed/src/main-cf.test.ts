import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMainSettings, mainValue, removeMainSettings } from './main-cf.ts';

const base = '# comment\nmyhostname = old\n  continued\n#relayhost = x\nmydestination = a\n';

test('replaces in place (continuation lines included), appends new names sorted, keeps comments', () => {
  const out = applyMainSettings(base, { zeta: '1', myhostname: 'mx.example.com', alpha: '', mydestination: 'localhost' });
  assert.equal(out, '# comment\nmyhostname = mx.example.com\n#relayhost = x\nmydestination = localhost\nalpha =\nzeta = 1\n');
});

test('the same settings in any order give the same bytes; nothing to set leaves the text alone', () => {
  assert.equal(applyMainSettings(base, { b: '2', a: '1' }), applyMainSettings(base, { a: '1', b: '2' }));
  assert.equal(applyMainSettings(base, {}), base);
});

test('a parameter defined twice ends up once', () => {
  assert.equal(applyMainSettings('a = 1\nb = 2\na = 3\n', { a: '9' }), 'a = 9\nb = 2\n');
});

test('mainValue reads what postconf -h would: last assignment, continuations joined, unset is empty', () => {
  assert.equal(mainValue(base, 'myhostname'), 'old continued');
  assert.equal(mainValue('a = 1\na = /var/log/x\n', 'a'), '/var/log/x');
  assert.equal(mainValue('#maillog_file = /x\nmaillog_file_prefixes = /var\n', 'maillog_file'), '');
  assert.equal(mainValue('a =\n', 'a'), '');
});

test('removeMainSettings drops every assignment of a name with its continuation lines, nothing else', () => {
  assert.equal(removeMainSettings(base, ['myhostname']), '# comment\n#relayhost = x\nmydestination = a\n');
  assert.equal(removeMainSettings('a = 1\nb = 2\na = 3\n', ['a', 'missing']), 'b = 2\n');
  assert.equal(removeMainSettings(base, []), base);
  assert.equal(mainValue(removeMainSettings(base, ['mydestination']), 'mydestination'), '');
});
