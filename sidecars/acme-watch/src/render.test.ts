import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainFile, dovecotTlsConf, type PostfixTls, postfixTlsEdits } from './render.ts';

const pf = (over: Partial<PostfixTls> = {}): PostfixTls => ({
  smtpd_tls_chain_files: '',
  smtpd_tls_cert_file: '',
  smtpd_tls_key_file: '',
  smtpd_tls_eccert_file: '',
  smtpd_tls_eckey_file: '',
  smtpd_tls_security_level: 'may',
  smtpd_use_tls: 'no',
  ...over,
});

describe('chainFile', () => {
  it('puts the key first, then the chain, newline-terminated', () => {
    assert.equal(chainFile('KEY\n', '\nCERT1\nCERT2'), 'KEY\nCERT1\nCERT2\n');
  });
});

describe('postfixTlsEdits', () => {
  it('is empty when postfix already serves the chain file', () => {
    assert.deepEqual(postfixTlsEdits(pf({ smtpd_tls_chain_files: '/a/chain.pem' }), '/a/chain.pem'), []);
  });
  it('points at the chain file and clears conflicting cert/key files', () => {
    const e = postfixTlsEdits(pf({ smtpd_tls_cert_file: '/self/cert.pem', smtpd_tls_key_file: '/self/key.pem' }), '/a/chain.pem');
    assert.deepEqual(e, ['smtpd_tls_chain_files=/a/chain.pem', 'smtpd_tls_cert_file=', 'smtpd_tls_key_file=']);
  });
  it('turns TLS on only when it is off by default', () => {
    assert.ok(postfixTlsEdits(pf({ smtpd_tls_security_level: '' }), '/c').includes('smtpd_tls_security_level=may'));
    assert.ok(
      !postfixTlsEdits(pf({ smtpd_tls_security_level: '', smtpd_use_tls: 'yes' }), '/c').some((x) => x.startsWith('smtpd_tls_security')),
    );
    assert.ok(!postfixTlsEdits(pf({ smtpd_tls_security_level: 'encrypt' }), '/c').some((x) => x.startsWith('smtpd_tls_security')));
  });
});

describe('dovecotTlsConf', () => {
  it('replaces ssl_cert/ssl_key and keeps other settings', () => {
    const out = dovecotTlsConf(
      'ssl = required\nssl_cert = </self/cert.pem\nssl_key = </self/key.pem\nssl_min_protocol = TLSv1.2\n',
      '/a/cert.pem',
      '/a/key.pem',
    );
    assert.equal(
      out,
      '# ssl_cert/ssl_key are maintained by acme-watch\nssl = required\nssl_min_protocol = TLSv1.2\nssl_cert = </a/cert.pem\nssl_key = </a/key.pem\n',
    );
  });
  it('turns TLS on when the seed had no certificate (ssl = no, plaintext logins allowed)', () => {
    const out = dovecotTlsConf('# seed\nssl = no\ndisable_plaintext_auth = no\n', '/a/cert.pem', '/a/key.pem');
    assert.equal(
      out,
      '# ssl_cert/ssl_key are maintained by acme-watch\n# seed\nssl = yes\nssl_cert = </a/cert.pem\nssl_key = </a/key.pem\n',
    );
  });
  it('is stable: rendering its own output changes nothing', () => {
    const once = dovecotTlsConf(undefined, '/a/cert.pem', '/a/key.pem');
    assert.equal(dovecotTlsConf(once, '/a/cert.pem', '/a/key.pem'), once);
  });
});
