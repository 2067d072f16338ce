import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, fileScope, seededPostfix, swaks } from '../harness/index.ts';
import { startSink } from '../harness/sink.ts';

const cleanups = fileScope();

test('VIRTUAL_TRANSPORT=lmtp:host:port hands accepted mail to that LMTP server, not to /var/mail', async () => {
  const lmtp = await startSink({ lmtp: true });
  cleanups.defer(lmtp.stop);
  const mta = await seededPostfix({
    env: {
      MAIL_DOMAIN: 'example.com',
      MAIL_BOXES: 'info@example.com',
      MAIL_ALIASES: 'sales:info',
      VIRTUAL_TRANSPORT: `lmtp:127.0.0.1:${lmtp.port}`,
    },
  });
  cleanups.defer(mta.stop);
  const r = swaks(['--server', `127.0.0.1:${mta.port}`, '--from', 'a@remote.test', '--to', 'sales@example.com', '--body', 'via-lmtp-1']);
  assert.equal(r.status, 0, r.output);
  const msg = await eventually(() => lmtp.mails.find((m) => m.raw.includes('via-lmtp-1')), 15_000, 'lmtp delivery');
  assert.deepEqual(msg.to, ['info@example.com']);
  assert.equal(existsSync(join(mta.paths.mail, 'info@example.com')), false);
  // Recipient validation still happens at RCPT, before LMTP is involved.
  assert.match(swaks(['--server', `127.0.0.1:${mta.port}`, '--to', 'nobody@example.com']).output, /550 5\.1\.1/);
});

test('VIRTUAL_TRANSPORT=lmtp:unix:private/transport is wired for dovecot (refused on mini, which has none)', async () => {
  const mta = await seededPostfix({
    env: { MAIL_DOMAIN: 'example.com', VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' },
    variant: 'base',
  });
  cleanups.defer(mta.stop);
  assert.equal(mta.postfix.postconf('-h', 'virtual_transport').trim(), 'lmtp:unix:private/transport');
  await assert.rejects(
    seededPostfix({ env: { MAIL_DOMAIN: 'example.com', VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' }, variant: 'mini' }),
    /VIRTUAL_TRANSPORT: .*needs dovecot/,
  );
});
