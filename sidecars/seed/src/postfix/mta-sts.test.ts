import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plannedFile, testContext } from '../testing.ts';
import { renderMtaSts } from './mta-sts.ts';
import { renderTlsOutbound } from './tls-outbound.ts';

const SOCKETMAP = 'socketmap:unix:/r/run/mta/mta-sts/policy.sock:mta-sts';
const STS_PARAMS = new Set(['smtp_tls_enforce_sts_mx_patterns']);

test('by default postfix asks the mta-sts service, verifies with the system CAs, and checks MX patterns where it can', () => {
  const p = renderMtaSts(testContext({ MAIL_DOMAIN: 'a.test' }, { postfixParams: STS_PARAMS }));
  assert.equal(renderTlsOutbound(testContext({ MAIL_DOMAIN: 'a.test' })).postconf?.smtp_tls_policy_maps, SOCKETMAP);
  assert.deepEqual(p.postconf, { smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt', smtp_tls_enforce_sts_mx_patterns: 'yes' });
  assert.deepEqual(JSON.parse(String(plannedFile(p, '/r/etc/postfix/mta-sts.json')?.content)), {
    socket: '/r/run/mta/mta-sts/policy.sock',
    map: 'mta-sts',
  });
  // A postfix without the parameter (before 3.10.5) is not given it.
  assert.equal(renderMtaSts(testContext({ MAIL_DOMAIN: 'a.test' })).postconf?.smtp_tls_enforce_sts_mx_patterns, undefined);
});

test('relayed mail is not subject to MTA-STS; MTA_STS=no wires nothing; publishing alone runs the service without the map', () => {
  for (const env of [{ SMTP_RELAY_HOSTAUTH: '[smtp.provider.test]:587' }, { RELAYHOST: '[smtp.provider.test]' }, { MTA_STS: 'no' }]) {
    const p = renderMtaSts(testContext({ MAIL_DOMAIN: 'a.test', ...env }));
    assert.equal(p.postconfLists, undefined, JSON.stringify(env));
    assert.deepEqual(p.remove, ['/r/etc/postfix/mta-sts.json']);
  }
  const p = renderMtaSts(testContext({ MAIL_DOMAIN: 'a.test', MTA_STS: 'no', MTA_STS_PUBLISH: 'testing' }));
  assert.equal(p.postconfLists, undefined);
  assert.deepEqual(JSON.parse(String(plannedFile(p, '/r/etc/postfix/mta-sts.json')?.content)), {});
});

test('the MTA-STS socketmap is the last TLS policy map, after the overrides and the relays; none when relayed', () => {
  const maps = (env: Record<string, string>) =>
    renderTlsOutbound(testContext({ MAIL_DOMAIN: 'a.test', ...env })).postconf?.smtp_tls_policy_maps;
  assert.equal(
    maps({ SMTP_TLS_POLICY: 'partner.example encrypt', SMTP_RELAY_SENDER_HOSTAUTH: '@b.test [relay.b.test]:587' }),
    'hash:/r/etc/postfix/mta-tls-policy, hash:/r/etc/postfix/mta-relay-tls-policy, socketmap:unix:/r/run/mta/mta-sts/policy.sock:mta-sts',
  );
  assert.equal(maps({}), 'socketmap:unix:/r/run/mta/mta-sts/policy.sock:mta-sts');
  assert.equal(maps({ MTA_STS: 'no' }), '');
  assert.equal(maps({ RELAYHOST: '[relay.a.test]:587' }), '');
});

test('TLSRPT_REPORTS: postfix reports each TLS attempt to the sidecar socket, where its postfix has libtlsrpt', () => {
  const params = new Set([...STS_PARAMS, 'smtp_tlsrpt_enable']);
  const p = renderMtaSts(testContext({ MAIL_DOMAIN: 'a.test', TLSRPT_REPORTS: 'yes' }, { postfixParams: params }));
  assert.equal(p.postconf?.smtp_tlsrpt_enable, 'yes');
  assert.equal(p.postconf?.smtp_tlsrpt_socket_name, '/r/run/mta/mta-sts/tlsrpt.sock');
  assert.equal(JSON.parse(String(plannedFile(p, '/r/etc/postfix/mta-sts.json')?.content)).tlsrpt, '/r/run/mta/mta-sts/tlsrpt.sock');
  // Off by default (said explicitly: a /srv seeded with it on turns it off again).
  const off = renderMtaSts(testContext({ MAIL_DOMAIN: 'a.test' }, { postfixParams: params }));
  assert.equal(off.postconf?.smtp_tlsrpt_enable, 'no');
  assert.equal(JSON.parse(String(plannedFile(off, '/r/etc/postfix/mta-sts.json')?.content)).tlsrpt, undefined);
  // A postfix without libtlsrpt support (bookworm's 3.7) is not given the parameters.
  const old = renderMtaSts(testContext({ MAIL_DOMAIN: 'a.test', TLSRPT_REPORTS: 'yes' }));
  assert.equal(old.postconf?.smtp_tlsrpt_enable, undefined);
  assert.equal(JSON.parse(String(plannedFile(old, '/r/etc/postfix/mta-sts.json')?.content)).tlsrpt, undefined);
});
