import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plannedFile, testContext } from '../testing.ts';
import { renderResolver } from './resolver.ts';
import { configuredHostNames } from './resolver-names.ts';

test('the host names the operator configured are exempt from validation (docker-only names); IPs and localhost are not names', () => {
  const names = configuredHostNames({
    LDAP_HOST: 'ldap://Auth:389',
    MYSQL_HOST: 'db:3306',
    SMTPD_SASL_IMAPHOST: 'localhost:143',
    NATS_URL: ['nats://u:p@nats1:4222', 'tls://10.0.0.5:4222'],
    VIRTUAL_TRANSPORT: 'lmtp:app:2003',
    SMTP_RELAY_SENDER_HOSTAUTH: [
      { sender: '@a.example', relayhost: '[relay.internal]:25', tls: 'may' },
      { sender: '@b.example', relayhost: '[192.0.2.1]:25', tls: 'may' },
    ],
  });
  assert.deepEqual(names, ['app', 'auth', 'db', 'nats1', 'relay.internal']);
  const ctx = testContext({ MAIL_DOMAIN: 'e.com', NATS_URL: 'nats://bus:4222', VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' });
  const conf = String(plannedFile(renderResolver(ctx), '/r/etc/postfix/mta-unbound.conf')?.content);
  assert.match(conf, /^ {2}domain-insecure: "bus"$/m);
  assert.equal((conf.match(/domain-insecure/g) ?? []).length, 1);
});
