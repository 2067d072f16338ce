import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { plannedFile, testContext } from '../testing.ts';
import { renderDhParams } from './dhparam.ts';
import { generateSelfSigned, reusableSelfSigned } from './self-signed.ts';
import { renderTlsInbound } from './tls-inbound.ts';

const now = new Date('2026-01-01T00:00:00Z');
const a = generateSelfSigned(['a.test'], 2048, now);
const b = generateSelfSigned(['b.test'], 2048, now);
const files: Record<string, string> = { '/a.crt': a.certPem, '/a.key': a.keyPem, '/b.key': b.keyPem, '/chain.pem': a.keyPem + a.certPem };
const readFile = (p: string) => (files[p] === undefined ? undefined : Buffer.from(files[p]));

test('no TLS variables: nothing rendered', () => {
  assert.deepEqual(renderTlsInbound(testContext({ MAIL_DOMAIN: 'e.com' })), { errors: [] });
});

test('cert/key files: named to postfix, TLS may + auth only', () => {
  const p = renderTlsInbound(
    testContext({ MAIL_DOMAIN: 'e.com', SMTPD_TLS_CERT_FILE: '/a.crt', SMTPD_TLS_KEY_FILE: '/a.key' }, { readFile }),
  );
  assert.deepEqual(p.errors, []);
  assert.equal(p.postconf?.smtpd_tls_cert_file, '/a.crt');
  assert.equal(p.postconf?.smtpd_tls_security_level, 'may');
  assert.equal(p.postconf?.smtpd_tls_auth_only, 'yes');
  assert.deepEqual(p.files, []);
});

test('mismatched pair, unreadable file and a bad chain are errors naming the variable', () => {
  const p = renderTlsInbound(
    testContext(
      {
        MAIL_DOMAIN: 'e.com',
        SMTPD_TLS_CERT_FILE: '/a.crt',
        SMTPD_TLS_KEY_FILE: '/b.key',
        SMTPD_TLS_DCERT_FILE: '/nope',
        SMTPD_TLS_DKEY_FILE: '/a.key',
      },
      { readFile },
    ),
  );
  assert.deepEqual(p.errors?.map((e) => e.variable).sort(), ['SMTPD_TLS_DCERT_FILE', 'SMTPD_TLS_KEY_FILE']);
  const ok = renderTlsInbound(testContext({ MAIL_DOMAIN: 'e.com', SMTPD_TLS_CHAIN_FILES: '/chain.pem' }, { readFile }));
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.postconf?.smtpd_tls_chain_files, '/chain.pem');
  files['/bad-chain.pem'] = b.keyPem + a.certPem;
  const bad = renderTlsInbound(testContext({ MAIL_DOMAIN: 'e.com', SMTPD_TLS_CHAIN_FILES: '/bad-chain.pem' }, { readFile }));
  assert.equal(bad.errors?.[0]?.variable, 'SMTPD_TLS_CHAIN_FILES');
});

test('SMTPD_USE_TLS=yes: self-signed for HOSTNAME + every domain, TLS_KEYBITS, 0600 key files, reused while valid', () => {
  const env = { MAIL_DOMAIN: 'example.com example.net', SMTPD_USE_TLS: 'yes', TLS_KEYBITS: '3072' };
  const p = renderTlsInbound(testContext(env, { now }));
  const chain = plannedFile(p, '/r/srv/etc/ssl/self/chain.pem');
  assert.equal(chain?.mode, 0o600);
  assert.equal(p.files?.find((f) => f.path.endsWith('key.pem'))?.mode, 0o600);
  const cert = new X509Certificate(String(p.files?.find((f) => f.path.endsWith('cert.pem'))?.content));
  assert.equal(cert.subjectAltName, 'DNS:mx.example.com, DNS:example.com, DNS:example.net');
  assert.equal(p.postconf?.smtpd_tls_chain_files, '/r/srv/etc/ssl/self/chain.pem');
  const names = ['mx.example.com', 'example.com', 'example.net'];
  assert.ok(reusableSelfSigned(String(chain?.content), names, 3072, now));
  assert.equal(reusableSelfSigned(String(chain?.content), names, 2048, now), undefined, 'other key size');
  assert.equal(reusableSelfSigned(String(chain?.content), names.slice(1), 3072, now), undefined, 'other names');
  assert.equal(reusableSelfSigned(String(chain?.content), names, 3072, new Date(now.getTime() + 340 * 86_400_000)), undefined, 'due');
  const again = renderTlsInbound(
    testContext(env, { now, readFile: (x) => (x === chain?.path ? Buffer.from(String(chain?.content)) : undefined) }),
  );
  assert.equal(plannedFile(again, chain?.path)?.content, chain?.content);
});

test('DH parameters from `mta dhparam` are kept in main.cf once the file exists', () => {
  const path = '/r/srv/etc/ssl/dhparam.pem';
  assert.deepEqual(renderDhParams(testContext({ MAIL_DOMAIN: 'e.com' })), {});
  const p = renderDhParams(testContext({ MAIL_DOMAIN: 'e.com' }, { readFile: (x) => (x === path ? Buffer.from('dh') : undefined) }));
  assert.equal(p.postconf?.smtpd_tls_dh1024_param_file, path);
  const trixie = renderDhParams(
    testContext(
      { MAIL_DOMAIN: 'e.com' },
      { daemons: { postfix: '3.10.13' }, readFile: (x) => (x === path ? Buffer.from('dh') : undefined) },
    ),
  );
  assert.deepEqual(trixie, {}, 'postfix 3.9+ deprecated the parameter (postconf warns): its built-in groups are used');
});
