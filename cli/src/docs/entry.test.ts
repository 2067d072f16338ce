import assert from 'node:assert/strict';
import { test } from 'node:test';
import { text, VARS, type VarSpec } from '@mta/shared';
import { entryFields, shortDefault } from './entry.ts';
import { seedCompat } from './seed-names.ts';

const field = (name: string, spec: VarSpec, label: string) => entryFields(name, spec).find((f) => f.label === label)?.value;

test('a secret variable says so and shows its __FILE form', () => {
  const v = field('SMTP_RELAY_HOSTAUTH', VARS.SMTP_RELAY_HOSTAUTH, 'secret') ?? '';
  assert.match(v, /^yes/);
  assert.match(v, /SMTP_RELAY_HOSTAUTH__FILE=/);
  assert.equal(field('MAIL_BOXES', VARS.MAIL_BOXES, 'secret'), 'no');
});

test('defaults: static, empty, derived and none', () => {
  assert.equal(field('MESSAGE_SIZE_LIMIT', VARS.MESSAGE_SIZE_LIMIT, 'default'), '`10240000`');
  assert.equal(field('MAIL_BOXES', VARS.MAIL_BOXES, 'default'), 'empty');
  assert.match(field('MAIL_DOMAIN', VARS.MAIL_DOMAIN, 'default') ?? '', /hostname -d.*derived/);
  assert.equal(field('LDAP_HOST', VARS.LDAP_HOST, 'default'), 'none (unset)');
  assert.equal(shortDefault(VARS.LDAP_HOST), '');
});

test('postfix pass-through and empty-is-off are noted only where they apply', () => {
  assert.equal(field('MESSAGE_SIZE_LIMIT', VARS.MESSAGE_SIZE_LIMIT, 'postfix'), 'applied with postconf as `message_size_limit`');
  assert.equal(field('MAIL_BOXES', VARS.MAIL_BOXES, 'postfix'), undefined);
  assert.match(field('ACME_POSTHOOK', VARS.ACME_POSTHOOK, 'empty value') ?? '', /ACME_POSTHOOK=/);
  assert.equal(field('ACME_FILE', VARS.ACME_FILE, 'empty value'), undefined);
});

test('seed compatibility distinguishes README names, script-only names and new ones', () => {
  assert.equal(seedCompat('SMTP_RELAY_HOSTAUTH'), 'readme');
  assert.equal(seedCompat('MYSQL_QUERY_PASS'), 'code');
  assert.equal(seedCompat('NATS_URL'), 'new');
  const spec: VarSpec = { schema: text, topic: 'fleet', variants: ['full'], description: 'd', format: 'f' };
  assert.match(field('SOMETHING_NEW', spec, 'seed') ?? '', /new in mta/);
  assert.equal(field('SOMETHING_NEW', spec, 'example'), undefined);
});
