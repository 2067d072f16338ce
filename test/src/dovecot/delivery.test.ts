import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { eventually, fileScope, opensslSelfSigned, type SeededPostfix, seededPostfix, sendMail } from '../harness/index.ts';
import { imapsFetchAll, pop3sRetrFirst } from './mail-client.ts';
import { DOVECOT_DELIVERY, type Dovecot, startDovecot } from './start-dovecot.ts';

const cleanups = fileScope();

// The certificate a TLS server presents on port.
async function peerCert(port: number): Promise<X509Certificate> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  const raw = socket.getPeerX509Certificate();
  socket.destroy();
  if (!raw) throw new Error('no peer certificate');
  return raw;
}

describe('dovecot LMTP delivery, IMAPS and POP3S', () => {
  let mta: SeededPostfix;
  let dovecot: Dovecot;
  before(async () => {
    mta = await seededPostfix({
      env: {
        ...DOVECOT_DELIVERY,
        MAIL_BOXES: 'info@example.com',
        SMTPD_SASL_CLIENTAUTH: 'info:{plain}info-secret-1',
        DOVECOT_AUTH_USERNAME_FORMAT: '%Ln',
      },
    });
    cleanups.defer(() => mta.stop());
    dovecot = cleanups.keep(await startDovecot(mta.paths));
  });

  test('a message sent to port 25 lands in /var/mail/info as vmail and is fetched over IMAPS and POP3S', async () => {
    const sent = sendMail(mta.port, 'a@sender.test', 'info@example.com', 'hello via lmtp');
    assert.equal(sent.status, 0, sent.output);
    const inbox = join(mta.paths.mail, 'info', 'new');
    const file = await eventually(
      () => readdirSync(inbox).map((f) => join(inbox, f))[0],
      15_000,
      `delivery into ${inbox}\n${mta.postfix.output().slice(-2000)}\n${dovecot.log().slice(-2000)}`,
    );
    assert.match(readFileSync(file, 'utf8'), /hello via lmtp/);
    assert.equal(statSync(file).uid, 5000);
    // DOVECOT_AUTH_USERNAME_FORMAT=%Ln: a mixed-case login with domain is the passwd-file user "info".
    const imap = await imapsFetchAll(dovecot.ports.imaps, 'Info@Example.com', 'info-secret-1');
    assert.match(imap, /^a OK/m, imap);
    assert.match(imap, /hello via lmtp/, imap);
    const pop = await pop3sRetrFirst(dovecot.ports.pop3s, 'info', 'info-secret-1');
    assert.match(pop, /hello via lmtp/, pop);
    const wrong = await imapsFetchAll(dovecot.ports.imaps, 'info', 'wrong');
    assert.match(wrong, /^a NO/m);
  });

  test('IMAPS and POP3S present the certificate postfix serves, and a new one after the TLS include changes + reload', async () => {
    const postfixCert = await peerCert(mta.ports.smtps!);
    for (const port of [dovecot.ports.imaps, dovecot.ports.pop3s])
      assert.equal((await peerCert(port)).fingerprint256, postfixCert.fingerprint256);

    // What acme-watch does: new files, the one include rewritten, `doveadm reload`.
    const dir = mta.root;
    opensslSelfSigned(dir, 'new', 'new.example.com', { days: 2 });
    writeFileSync(mta.paths.dovecotTls, `ssl = yes\nssl_cert = <${join(dir, 'new.crt')}\nssl_key = <${join(dir, 'new.key')}\n`);
    execFileSync('doveadm', ['-c', dovecot.conf, 'reload']);
    const want = new X509Certificate(readFileSync(join(dir, 'new.crt'))).fingerprint256;
    await eventually(async () => (await peerCert(dovecot.ports.imaps)).fingerprint256 === want, 10_000, 'new IMAPS certificate');
  });
});
