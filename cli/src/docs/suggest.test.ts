import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VARS } from '@mta/shared';
import { distance, suggest } from './suggest.ts';

const names = Object.keys(VARS);

test('distance counts insertions, deletions and substitutions', () => {
  assert.equal(distance('kitten', 'sitting'), 3);
  assert.equal(distance('', 'abc'), 3);
  assert.equal(distance('same', 'same'), 0);
});

test('suggest finds typos and missing underscores', () => {
  assert.deepEqual(suggest('MAIL_DOMIAN', names).slice(0, 1), ['MAIL_DOMAIN']);
  assert.ok(suggest('SMTP_RELAYHOST', names).includes('SMTP_RELAY_HOSTAUTH'));
  assert.ok(suggest('ldap_bind_pass', names).includes('LDAP_BIND_PW'));
});

test('suggest returns nothing for unrelated names and at most max entries', () => {
  assert.deepEqual(suggest('XYZZY_PLUGH_FROB', names), []);
  assert.ok(suggest('LDAP_QUERY_FILTER', names, 2).length <= 2);
});
