import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testContext } from '../testing.ts';
import { renderLogging } from './logging.ts';
import { renderPassthrough } from './passthrough.ts';
import { renderRelay } from './relay.ts';
import { renderTlsOutbound } from './tls-outbound.ts';
import { renderTlsProtocols } from './tls-protocols.ts';

test('SMTP_RELAY_HOSTAUTH without credentials: relayhost only, no SASL', () => {
  const p = renderRelay(testContext({ MAIL_DOMAIN: 'e.com', SMTP_RELAY_HOSTAUTH: '[relay.example]:587' }));
  assert.equal(p.postconf?.relayhost, '[relay.example]:587');
  assert.equal(p.postconf?.smtp_sasl_auth_enable, undefined);
  assert.deepEqual(p.files, []);
});

test('SMTP_RELAY_HOSTAUTH with credentials: 0600 hashed sasl_passwd, SASL on, password only in the file', () => {
  const p = renderRelay(testContext({ MAIL_DOMAIN: 'e.com', SMTP_RELAY_HOSTAUTH: '[relay.example]:587 u:pa:ss' }));
  assert.deepEqual(p.files, [
    { path: '/r/etc/postfix/sasl_passwd', content: '[relay.example]:587\tu:pa:ss\n', mode: 0o600, postmap: 'hash' },
  ]);
  assert.equal(p.postconf?.smtp_sasl_password_maps, 'hash:/r/etc/postfix/sasl_passwd');
  assert.doesNotMatch(JSON.stringify(p.postconf), /pa:ss/);
});

test('SMTP_TLS_SECURITY_LEVEL / SMTP_TLS_WRAPPERMODE reach the smtp client', () => {
  const env = { MAIL_DOMAIN: 'e.com', SMTP_TLS_SECURITY_LEVEL: 'encrypt', SMTP_TLS_WRAPPERMODE: 'yes' };
  assert.equal(renderTlsOutbound(testContext(env)).postconf?.smtp_tls_security_level, 'encrypt');
  assert.equal(renderRelay(testContext(env)).postconf?.smtp_tls_wrappermode, 'yes');
  assert.equal(
    renderTlsOutbound(testContext({ MAIL_DOMAIN: 'e.com', SMTP_DANE: 'no' })).postconf?.smtp_tls_security_level,
    'may',
    'opportunistic TLS by default (issue 17); with DANE on it is dane, which is may where no TLSA record validates',
  );
});

test('TLS 1.2+ for server and client', () => {
  const p = renderTlsProtocols().postconf ?? {};
  for (const k of ['smtpd_tls_protocols', 'smtpd_tls_mandatory_protocols', 'smtp_tls_protocols', 'smtp_tls_mandatory_protocols'])
    assert.equal(p[k], '>=TLSv1.2');
});

test('logging: maillog_file=/dev/stdout with a postlog service; SYSLOG_LEVEL 7 adds TLS detail', () => {
  const p = renderLogging(testContext({ MAIL_DOMAIN: 'e.com' }));
  assert.equal(p.postconf?.maillog_file, '/dev/stdout');
  assert.equal(p.postconf?.smtpd_tls_loglevel, '0');
  assert.equal(p.master?.[0]?.service, 'postlog');
  assert.equal(renderLogging(testContext({ MAIL_DOMAIN: 'e.com', SYSLOG_LEVEL: '7' })).postconf?.smtpd_tls_loglevel, '1');
});

test('pass-through: UPPERCASE postfix parameters apply; our own variables, reserved and unknown names do not', () => {
  const params = new Set(['mynetworks', 'message_size_limit', 'smtpd_use_tls', 'config_directory', 'relayhost', 'mydestination']);
  const p = renderPassthrough(
    testContext(
      {
        MAIL_DOMAIN: 'e.com',
        MYNETWORKS: '10.0.0.0/8 ',
        RELAYHOST: ' [test-srv] ',
        MYDESTINATION: '',
        MESSAGE_SIZE_LIMIT: '5',
        SMTPD_USE_TLS: 'yes',
        CONFIG_DIRECTORY: '/x',
        FOO_BAR: '1',
        mynetworks: 'lower',
      },
      { postfixParams: params },
    ),
  );
  // MYNETWORKS is ours now (validated, also amavis's list); an empty value is a value (MYDESTINATION= as in the seed).
  assert.deepEqual(p.postconf, { relayhost: '[test-srv]', mydestination: '' });
  const bad = renderPassthrough(testContext({ MAIL_DOMAIN: 'e.com', RELAYHOST: 'a\nb' }, { postfixParams: params }));
  assert.equal(bad.errors?.[0]?.variable, 'RELAYHOST');
});
