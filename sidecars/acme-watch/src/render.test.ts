import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainFile, dovecotTlsConf, type PostfixTls, postfixTlsEdits, sniTableSource } from './render.ts';

const pf = (over: Partial<PostfixTls> = {}): PostfixTls => ({
  smtpd_tls_chain_files: '',
  smtpd_tls_cert_file: '',
  smtpd_tls_key_file: '',
  smtpd_tls_eccert_file: '',
  smtpd_tls_eckey_file: '',
  smtpd_tls_security_level: 'may',
  smtpd_use_tls: 'no',
  tls_server_sni_maps: 'hash:/a/sni',
  ...over,
});

describe('chainFile', () => {
  it('puts the key first, then the chain, newline-terminated', () => {
    assert.equal(chainFile('KEY\n', '\nCERT1\nCERT2'), 'KEY\nCERT1\nCERT2\n');
  });
});

describe('postfixTlsEdits', () => {
  const edits = (cur: PostfixTls, chain = '/c') => postfixTlsEdits(cur, chain, 'hash:/a/sni');
  it('is empty when postfix already serves the chain file and looks SNI names up in our table', () => {
    assert.deepEqual(edits(pf({ smtpd_tls_chain_files: '/a/chain.pem' }), '/a/chain.pem'), []);
  });
  it('points at the chain file and clears conflicting cert/key files', () => {
    const e = edits(pf({ smtpd_tls_cert_file: '/self/cert.pem', smtpd_tls_key_file: '/self/key.pem' }), '/a/chain.pem');
    assert.deepEqual(e, ['smtpd_tls_chain_files=/a/chain.pem', 'smtpd_tls_cert_file=', 'smtpd_tls_key_file=']);
  });
  it('puts our SNI table first and keeps the ones an operator added', () => {
    assert.deepEqual(edits(pf({ smtpd_tls_chain_files: '/c', tls_server_sni_maps: '' })), ['tls_server_sni_maps=hash:/a/sni']);
    assert.deepEqual(edits(pf({ smtpd_tls_chain_files: '/c', tls_server_sni_maps: 'lmdb:/op/sni, hash:/a/sni' })), [
      'tls_server_sni_maps=hash:/a/sni, lmdb:/op/sni',
    ]);
  });
  it('turns TLS on only when it is off by default', () => {
    assert.ok(edits(pf({ smtpd_tls_security_level: '' })).includes('smtpd_tls_security_level=may'));
    assert.ok(!edits(pf({ smtpd_tls_security_level: '', smtpd_use_tls: 'yes' })).some((x) => x.startsWith('smtpd_tls_security')));
    assert.ok(!edits(pf({ smtpd_tls_security_level: 'encrypt' })).some((x) => x.startsWith('smtpd_tls_security')));
  });
});

describe('sniTableSource', () => {
  it('maps every name (wildcards as .parent, once each) to the chain file, under a digest line', () => {
    assert.equal(
      sniTableSource(['mx.example.com', 'Example.com', '*.example.com', 'example.com'], '/a/chain.pem', 'ab12'),
      '# maintained by acme-watch; chain.pem sha256 ab12\nmx.example.com\t/a/chain.pem\nexample.com\t/a/chain.pem\n.example.com\t/a/chain.pem\n',
    );
  });
  it('differs when only the chain file contents do', () => {
    assert.notEqual(sniTableSource(['a.test'], '/c', 'x'), sniTableSource(['a.test'], '/c', 'y'));
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
      '# the certificate and key lines are maintained by acme-watch\nssl = required\nssl_min_protocol = TLSv1.2\nssl_cert = </a/cert.pem\nssl_key = </a/key.pem\n',
    );
  });
  it('turns TLS on when the seed had no certificate (ssl = no, plaintext logins allowed)', () => {
    const out = dovecotTlsConf('# seed\nssl = no\ndisable_plaintext_auth = no\n', '/a/cert.pem', '/a/key.pem');
    assert.equal(
      out,
      '# the certificate and key lines are maintained by acme-watch\n# seed\nssl = yes\nssl_cert = </a/cert.pem\nssl_key = </a/key.pem\n',
    );
  });
  it('is stable: rendering its own output changes nothing', () => {
    const once = dovecotTlsConf(undefined, '/a/cert.pem', '/a/key.pem');
    assert.equal(dovecotTlsConf(once, '/a/cert.pem', '/a/key.pem'), once);
    const once24 = dovecotTlsConf(undefined, '/a/cert.pem', '/a/key.pem', '2.4');
    assert.equal(dovecotTlsConf(once24, '/a/cert.pem', '/a/key.pem', '2.4'), once24);
  });
  it('Dovecot 2.4: the *_file settings with the path itself; a 2.3 include is rewritten whole', () => {
    const seeded24 = '# seed\nssl = no\n';
    assert.equal(
      dovecotTlsConf(seeded24, '/a/cert.pem', '/a/key.pem', '2.4'),
      '# the certificate and key lines are maintained by acme-watch\n# seed\nssl = yes\nssl_server_cert_file = /a/cert.pem\nssl_server_key_file = /a/key.pem\n',
    );
    const seeded23 = '# seed\nssl = yes\nssl_cert = </self/cert.pem\nssl_key = </self/key.pem\nauth_allow_cleartext = yes\n';
    const out = dovecotTlsConf(seeded23, '/a/cert.pem', '/a/key.pem', '2.4');
    assert.doesNotMatch(out, /ssl_cert =|ssl_key =|auth_allow_cleartext/);
    assert.match(out, /^ssl_server_cert_file = \/a\/cert\.pem\nssl_server_key_file = \/a\/key\.pem\n$/m);
  });
});
