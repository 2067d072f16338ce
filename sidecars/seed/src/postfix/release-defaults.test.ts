import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeParts } from '../merge.ts';
import { testContext } from '../testing.ts';
import { renderPassthrough } from './passthrough.ts';
import { renderReleaseDefaults } from './release-defaults.ts';

const BOOKWORM = { postfix: '3.7.11', dovecot: '2.3.19.1' };
const TRIXIE = { postfix: '3.10.13', dovecot: '2.4.1-4' };

test('the smuggling and pipelining defaults of 3.9+ are pinned on every release', () => {
  for (const daemons of [BOOKWORM, TRIXIE, {}]) {
    const p = renderReleaseDefaults(testContext({}, { daemons })).postconf ?? {};
    assert.equal(p.smtpd_forbid_bare_newline, 'normalize', JSON.stringify(daemons));
    assert.equal(p.smtpd_forbid_unauth_pipelining, 'yes', JSON.stringify(daemons));
  }
});

test('parameters a release does not know are rendered only where it knows them', () => {
  const old = renderReleaseDefaults(testContext({}, { daemons: BOOKWORM })).postconf ?? {};
  assert.equal(old.smtpd_client_ipv6_prefix_length, undefined, '3.7 has no IPv6 aggregation (and would warn)');
  assert.equal(old.tls_required_enable, undefined, '3.7 has no TLS-Required header');
  const unknown = renderReleaseDefaults(testContext({}, { daemons: {} })).postconf ?? {};
  assert.equal(unknown.tls_required_enable, undefined, 'no fact: the default release');
  const v38 = renderReleaseDefaults(testContext({}, { daemons: { postfix: '3.8.6' } })).postconf ?? {};
  assert.deepEqual([v38.smtpd_client_ipv6_prefix_length, v38.tls_required_enable], ['128', undefined]);
  const trixie = renderReleaseDefaults(testContext({}, { daemons: TRIXIE })).postconf ?? {};
  assert.equal(trixie.smtpd_client_ipv6_prefix_length, '128', 'limits per client, as on 3.7');
  assert.equal(trixie.tls_required_enable, 'no', 'a sender cannot lower the relay TLS level');
});

test("the variables named in the upgrade notes give postfix's own values back (the pass-through is merged last)", () => {
  const env = { SMTPD_FORBID_BARE_NEWLINE: 'no', SMTPD_FORBID_UNAUTH_PIPELINING: 'no' };
  const ctx = testContext(env, {
    daemons: BOOKWORM,
    postfixParams: new Set(['smtpd_forbid_bare_newline', 'smtpd_forbid_unauth_pipelining']),
  });
  const plan = mergeParts([renderReleaseDefaults(ctx), renderPassthrough(ctx)]);
  assert.equal(plan.postconf.smtpd_forbid_bare_newline, 'no');
  assert.equal(plan.postconf.smtpd_forbid_unauth_pipelining, 'no');
  assert.deepEqual(plan.errors, []);
});
