import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaceDeprecated } from './deprecated.ts';

test('a deprecated parameter becomes its replacement, as postfix itself reads it', () => {
  assert.deepEqual(replaceDeprecated({ disable_dns_lookups: 'yes', relayhost: '[r]:587' }, {}).postconf, {
    smtp_dns_support_level: 'disabled',
    relayhost: '[r]:587',
  });
  assert.deepEqual(replaceDeprecated({ disable_dns_lookups: 'no' }, {}).postconf, {}, "no: postfix's default");
  assert.deepEqual(replaceDeprecated({ lmtp_use_tls: 'yes' }, {}).postconf, { lmtp_tls_security_level: 'may' });
  assert.deepEqual(replaceDeprecated({ lmtp_use_tls: 'yes', lmtp_enforce_tls: 'YES' }, {}).postconf, {
    lmtp_tls_security_level: 'encrypt',
  });
  assert.deepEqual(replaceDeprecated({ lmtp_enforce_tls: 'no' }, {}).postconf, { lmtp_tls_security_level: 'none' });
  const w = replaceDeprecated({ disable_dns_lookups: 'yes' }, {}).warnings;
  assert.match(w.join('\n'), /DISABLE_DNS_LOOKUPS: written as smtp_dns_support_level = disabled .*SMTP_DNS_SUPPORT_LEVEL/);
});

test('where the replacement is set, the deprecated parameter is left out: postfix would ignore it', () => {
  const byRenderer = replaceDeprecated({ smtp_use_tls: 'no', smtp_enforce_tls: 'yes' }, { smtp_tls_security_level: 'may' });
  assert.deepEqual(byRenderer.postconf, {});
  assert.match(byRenderer.warnings.join('\n'), /SMTP_ENFORCE_TLS: not written, postfix ignores it where smtp_tls_security_level is set/);
  const byUser = replaceDeprecated({ disable_dns_lookups: 'yes', smtp_dns_support_level: 'dnssec' }, {});
  assert.deepEqual(byUser.postconf, { smtp_dns_support_level: 'dnssec' });
});

test('one without a mechanical replacement is passed as given, with the advice', () => {
  const r = replaceDeprecated({ smtp_tls_per_site: 'hash:/etc/postfix/tls_per_site' }, {});
  assert.deepEqual(r.postconf, { smtp_tls_per_site: 'hash:/etc/postfix/tls_per_site' });
  assert.match(r.warnings[0] ?? '', /SMTP_TLS_PER_SITE: postfix 3\.9 deprecated smtp_tls_per_site; use smtp_tls_policy_maps/);
});
