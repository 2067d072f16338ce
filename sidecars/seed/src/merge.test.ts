import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeParts } from './merge.ts';

test('later parts win for scalars, files and master entries; lists accumulate without duplicates', () => {
  const m = mergeParts([
    {
      postconf: { a: '1', virtual_alias_maps: 'hash:/x' },
      postconfLists: { virtual_mailbox_maps: ['hash:/boxes'] },
      files: [{ path: '/f', content: 'one', mode: 0o644 }],
      master: [{ service: 'smtp', type: 'inet', entry: 'smtp inet n - n - - smtpd' }],
      warnings: ['w1'],
      remove: ['/f', '/f.db', '/gone', '/gone.db'],
    },
    {
      postconf: { a: '2' },
      postconfLists: { virtual_mailbox_maps: ['ldap:/l', 'hash:/boxes'], virtual_alias_maps: ['regexp:/r'] },
      files: [{ path: '/f', content: 'two', mode: 0o600 }],
      master: [{ service: 'smtp', type: 'inet', entry: 'smtp inet n - n - - smtpd -v' }],
      errors: [{ variable: 'X', message: 'bad' }],
    },
  ]);
  assert.equal(m.postconf.a, '2');
  assert.equal(m.postconf.virtual_mailbox_maps, 'hash:/boxes, ldap:/l');
  assert.equal(m.postconf.virtual_alias_maps, 'hash:/x, regexp:/r');
  assert.deepEqual(m.files, [{ path: '/f', content: 'two', mode: 0o600 }]);
  assert.equal(m.master.length, 1);
  assert.match(m.master[0]!.entry, /-v$/);
  assert.deepEqual(m.errors, [{ variable: 'X', message: 'bad' }]);
  assert.deepEqual(m.warnings, ['w1']);
  // A planned file (and its index) is never removed, even when another part lists it.
  assert.deepEqual(m.remove, ['/gone', '/gone.db']);
});

test('a value with a line break is an error (it would inject main.cf lines)', () => {
  const m = mergeParts([{ postconf: { relayhost: 'a\nmydestination = evil' } }]);
  assert.equal(m.errors[0]?.variable, 'RELAYHOST');
});
