import assert from 'node:assert/strict';
import { test } from 'node:test';
import { saslServices } from '../dovecot/submission.ts';
import { plannedFile, testContext } from '../testing.ts';
import { renderSenderMilter } from './sender-milter.ts';

const SASL = { MAIL_DOMAIN: 'a.test', SMTPD_SASL_CLIENTAUTH: 'app:{plain}x' };

test('with SASL and the sender check: the milter joins the submission list, the check service and settings exist', () => {
  const p = renderSenderMilter(testContext(SASL));
  assert.deepEqual(p.postconf, { mta_submission_milters: '' });
  assert.deepEqual(p.postconfLists, { mta_submission_milters: ['unix:/r/run/mta/sender-milter/milter.sock'] });
  assert.deepEqual(JSON.parse(String(plannedFile(p, '/r/etc/postfix/mta-sender-milter.json')?.content)), {
    socket: '/r/run/mta/sender-milter/milter.sock',
    check: '/r/var/spool/postfix/public/mta-sender-check',
  });
  const [check] = p.master ?? [];
  assert.equal(check?.service, 'mta-sender-check');
  assert.match(check?.entry ?? '', /^mta-sender-check unix n - n - - smtpd$/m);
  // It never takes mail and never runs milters itself.
  for (const o of ['smtpd_recipient_restrictions=reject', 'smtpd_data_restrictions=reject', 'smtpd_milters=', 'smtpd_delay_reject=no'])
    assert.match(check?.entry ?? '', new RegExp(`^  -o ${o}$`, 'm'));
  // The submission services use the list and defer when no milter answers.
  for (const e of saslServices()) {
    assert.match(e.entry, /^ {2}-o smtpd_milters=\$mta_submission_milters$/m);
    assert.match(e.entry, /^ {2}-o milter_default_action=tempfail$/m);
  }
});

test('no check without SASL, with SMTPD_SASL_SENDER_CHECK=no, or in mini; the settings file goes', () => {
  for (const p of [
    renderSenderMilter(testContext({ MAIL_DOMAIN: 'a.test' })),
    renderSenderMilter(testContext({ ...SASL, SMTPD_SASL_SENDER_CHECK: 'no' })),
    renderSenderMilter(testContext(SASL, { variant: 'mini' })),
  ]) {
    assert.equal(p.master, undefined);
    assert.equal(p.postconfLists, undefined);
    assert.deepEqual(p.remove, ['/r/etc/postfix/mta-sender-milter.json']);
  }
  assert.deepEqual(renderSenderMilter(testContext({ ...SASL, SMTPD_SASL_SENDER_CHECK: 'no' })).postconf, { mta_submission_milters: '' });
});
