import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plannedFile, testContext } from '../testing.ts';
import { outboundTls } from './dane.ts';
import { renderRelay } from './relay.ts';
import { renderResolver } from './resolver.ts';
import { renderTlsOutbound } from './tls-outbound.ts';
import { tlsPolicyMaps } from './tls-policy-maps.ts';

const ctx = (env: Record<string, string>) => testContext({ MAIL_DOMAIN: 'e.com', ...env });

test('policy maps in the documented order: operator overrides, relays, MTA-STS; absent sources left out', () => {
  assert.deepEqual(tlsPolicyMaps({ overrides: 'hash:o', relays: 'hash:r', mtaSts: 'socketmap:s' }), ['hash:o', 'hash:r', 'socketmap:s']);
  assert.deepEqual(tlsPolicyMaps({ mtaSts: 'socketmap:s', overrides: 'hash:o' }), ['hash:o', 'socketmap:s']);
  assert.deepEqual(tlsPolicyMaps({}), []);
});

test('DANE: direct delivery with SMTP_DANE=yes turns may into dane and asks for DNSSEC; a relay or SMTP_DANE=no does not', () => {
  const tls = (env: Record<string, string>) => outboundTls(ctx(env).config, ctx(env).env);
  assert.deepEqual(tls({}), { level: 'dane', resolver: true });
  assert.deepEqual(tls({ SMTP_TLS_SECURITY_LEVEL: 'encrypt' }), { level: 'encrypt', resolver: true });
  assert.deepEqual(tls({ SMTP_DANE: 'no' }), { level: 'may', resolver: false });
  assert.deepEqual(tls({ SMTP_RELAY_HOSTAUTH: '[r]:587' }), { level: 'may', resolver: false });
  // The seed's own RELAYHOST (a pass-through postfix parameter) is a global relay too.
  assert.deepEqual(tls({ RELAYHOST: '[test-srv]' }), { level: 'may', resolver: false });
  const p = renderTlsOutbound(ctx({})).postconf ?? {};
  assert.equal(p.smtp_tls_security_level, 'dane');
  assert.equal(p.smtp_dns_support_level, 'dnssec');
  assert.equal(renderTlsOutbound(ctx({ SMTP_DANE: 'no' })).postconf?.smtp_dns_support_level, undefined);
});

test('the resolver configuration exists exactly when DANE applies: loopback only, validating, forwarders included', () => {
  const on = plannedFile(renderResolver(ctx({})), '/r/etc/postfix/mta-unbound.conf');
  assert.ok(on);
  const conf = String(on.content);
  assert.match(conf, /^ {2}interface: 127\.0\.0\.1$/m);
  assert.doesNotMatch(conf, /interface: 0\.0\.0\.0|interface: ::/);
  assert.match(conf, /module-config: "validator iterator"/);
  assert.match(conf, /auto-trust-anchor-file: "\/srv\/var\/lib\/unbound\/root\.key"/);
  assert.match(conf, /^include: "\/run\/mta\/unbound-forward\.conf"$/m);
  assert.deepEqual(renderResolver(ctx({ SMTP_DANE: 'no' })).remove, ['/r/etc/postfix/mta-unbound.conf']);
  assert.deepEqual(renderResolver(ctx({ SMTP_RELAY_HOSTAUTH: '[r]:587' })).remove, ['/r/etc/postfix/mta-unbound.conf']);
});

test('SMTP_TLS_POLICY and the sender relays become the first two policy tables', () => {
  const part = renderTlsOutbound(
    ctx({
      SMTP_TLS_POLICY: 'broken.example may, partner.example encrypt protocols=>=TLSv1.3',
      SMTP_RELAY_SENDER_HOSTAUTH: '@a.example [ra]:587 u:p, @b.example [rb]:25 none, @c.example [ra]:587 v:q',
    }),
  );
  assert.equal(
    part.postconf?.smtp_tls_policy_maps,
    'hash:/r/etc/postfix/mta-tls-policy, hash:/r/etc/postfix/mta-relay-tls-policy, socketmap:unix:/r/run/mta/mta-sts/policy.sock:mta-sts',
  );
  assert.equal(
    plannedFile(part, '/r/etc/postfix/mta-tls-policy')?.content,
    'broken.example\tmay\npartner.example\tencrypt protocols=>=TLSv1.3\n',
  );
  assert.equal(plannedFile(part, '/r/etc/postfix/mta-relay-tls-policy')?.content, '[ra]:587\tencrypt\n[rb]:25\tnone\n');
  const none = renderTlsOutbound(ctx({ MTA_STS: 'no' }));
  assert.equal(none.postconf?.smtp_tls_policy_maps, '');
  assert.deepEqual(none.files, []);
  assert.ok(none.remove?.includes('/r/etc/postfix/mta-relay-tls-policy.db'));
});

test('sender relays: relayhost map by sender, credentials keyed by sender in the 0600 map, global relay kept', () => {
  const part = renderRelay(
    ctx({
      SMTP_RELAY_HOSTAUTH: '[global]:587 g:gpass',
      SMTP_RELAY_SENDER_HOSTAUTH: '@a.example [ra]:587 alice:apass\nbob@b.example [rb]:25 none',
    }),
  );
  const p = part.postconf ?? {};
  assert.equal(p.relayhost, '[global]:587');
  assert.equal(p.sender_dependent_relayhost_maps, 'hash:/r/etc/postfix/mta-sender-relay');
  assert.equal(p.smtp_sender_dependent_authentication, 'yes');
  assert.equal(plannedFile(part, '/r/etc/postfix/mta-sender-relay')?.content, '@a.example\t[ra]:587\nbob@b.example\t[rb]:25\n');
  const sasl = plannedFile(part, '/r/etc/postfix/sasl_passwd');
  assert.equal(sasl?.mode, 0o600);
  assert.equal(sasl?.content, '@a.example\talice:apass\n[global]:587\tg:gpass\n');
  assert.doesNotMatch(JSON.stringify(p), /apass|gpass/);
  // Only the global relay with credentials: no sender-dependent lookups (connection caching stays on).
  assert.equal(renderRelay(ctx({ SMTP_RELAY_HOSTAUTH: '[global]:587 g:p' })).postconf?.smtp_sender_dependent_authentication, undefined);
  // Sender relays without any credentials: no SASL at all, and the password map goes.
  const plain = renderRelay(ctx({ SMTP_RELAY_SENDER_HOSTAUTH: '@a.example [ra]:25' }));
  assert.equal(plain.postconf?.smtp_sasl_auth_enable, undefined);
  assert.ok(plain.remove?.includes('/r/etc/postfix/sasl_passwd'));
});
