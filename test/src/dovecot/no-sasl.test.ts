import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileScope, seededPostfix, swaks } from '../harness/index.ts';
import { startDovecot } from './start-dovecot.ts';

const cleanups = fileScope();

const services = (postconfM: string) => postconfM.split('\n').map((l) => l.split(/\s+/).slice(0, 2).join('/'));

test('no SASL method: no submission/smtps services at all; once a method is added and then removed, they go again', async () => {
  const mta = cleanups.keep(await seededPostfix({ env: { MAIL_DOMAIN: 'example.com', SMTPD_USE_TLS: 'yes' }, variant: 'base' }));
  const dovecot = cleanups.keep(await startDovecot(mta.paths));
  assert.equal(mta.ports.submission, undefined);
  assert.equal(mta.ports.smtps, undefined);
  assert.ok(!services(mta.postfix.postconf('-M')).some((s) => /^(submission|smtps|\d+)\/inet$/.test(s) && !s.startsWith(`${mta.port}/`)));
  const ehlo = swaks(['--server', `127.0.0.1:${mta.port}`, '--tls', '--quit-after', 'EHLO']);
  assert.doesNotMatch(ehlo.output, /AUTH/);
  // Dovecot still runs (SASL socket for postfix) with an empty password file, and accepts nobody.
  assert.equal(dovecot.authTest('anyone', 'anything'), false);
  // The packaged snippets in conf.d (PAM passdb, system userdb) are not part of the running config.
  assert.doesNotMatch(dovecot.effective(), /driver = (pam|passwd)\n/);
  assert.equal(dovecot.authTest('root', 'anything'), false);

  await mta.reseed({ FORCE_CONFIG: 'yes', MAIL_DOMAIN: 'example.com', SMTPD_USE_TLS: 'yes', SMTPD_SASL_CLIENTAUTH: 'u1:{plain}p1-secret' });
  assert.ok(mta.ports.submission && mta.ports.smtps);
  assert.match(swaks(['--server', `127.0.0.1:${mta.ports.submission}`, '--tls', '--quit-after', 'EHLO']).output, /AUTH PLAIN/);
  await mta.reseed({ FORCE_CONFIG: 'yes', MAIL_DOMAIN: 'example.com', SMTPD_USE_TLS: 'yes' });
  const after = services(mta.postfix.postconf('-M'));
  assert.ok(!after.includes(`${mta.ports.submission}/inet`) && !after.includes('submission/inet'), after.join(' '));
  const refused = swaks(['--server', `127.0.0.1:${mta.ports.submission}`, '--quit-after', 'EHLO']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.output, /refused|Connection|ERROR/i, refused.output);
});

test('mini image: SASL variables leave dovecot out and 465/587 closed, with a warning', async () => {
  const mta = cleanups.keep(
    await seededPostfix({ env: { MAIL_DOMAIN: 'example.com', SMTPD_SASL_CLIENTAUTH: 'u1:{plain}p1-secret' }, variant: 'mini' }),
  );
  assert.equal(mta.ports.submission, undefined);
  assert.ok(!existsSync(mta.paths.dovecotTls));
  assert.ok(
    mta.seed.warnings.some((w) => /SASL .*mini/.test(w)),
    mta.seed.warnings.join('\n'),
  );
});
