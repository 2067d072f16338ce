import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import {
  fileScope,
  memoryLogger,
  opensslSelfSigned,
  type SeededPostfix,
  seededPostfix,
  seedRoot,
  swaks,
  testInstanceEnv,
} from '../harness/index.ts';

const cleanups = fileScope();
let certs: string;
before(async () => {
  certs = await cleanups.dir('mta-tls-');
  for (const n of ['a', 'b']) opensslSelfSigned(certs, n, `${n}.files.test`);
  opensslSelfSigned(certs, 'ec', 'ec.files.test', { ec: true });
});
// Files holding keys are compared by hash so a failing assertion never prints key material.
const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

// The certificate the server presents after STARTTLS, or undefined when the handshake fails.
function served(port: number, args: string[] = ['-tls1_2']): X509Certificate | undefined {
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-starttls', 'smtp', ...args], {
    input: '',
    encoding: 'utf8',
    timeout: 15_000,
  });
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(r.stdout)?.[0];
  return r.status === 0 && pem ? new X509Certificate(pem) : undefined;
}

async function start(env: Record<string, string>): Promise<SeededPostfix> {
  const m = await seededPostfix({ env: { MAIL_DOMAIN: 'example.com example.net', ...env } });
  cleanups.defer(m.stop);
  return m;
}

test('SMTPD_USE_TLS=yes: self-signed certificate with SANs for the host and every MAIL_DOMAIN, TLS 1.2+ only', async () => {
  const m = await start({ SMTPD_USE_TLS: 'yes' });
  const cert = served(m.port);
  assert.ok(cert, 'TLS 1.2 handshake');
  for (const n of ['mx.example.com', 'example.com', 'example.net']) assert.match(cert.subjectAltName ?? '', new RegExp(`DNS:${n}(,|$)`));
  assert.equal(served(m.port, ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']), undefined, 'TLS 1.1 must be refused');
  const r = swaks(['--server', `127.0.0.1:${m.port}`, '--tls', '--to', 'nobody@example.com']);
  assert.match(r.output, /STARTTLS/);
  assert.equal(m.postfix.postconf('-h', 'smtpd_tls_auth_only').trim(), 'yes');
  const chain = join(m.paths.selfSignedDir, 'chain.pem');
  assert.equal(statSync(chain).mode & 0o777, 0o600);
  assert.equal(statSync(join(m.paths.selfSignedDir, 'key.pem')).mode & 0o777, 0o600);
  assert.equal(new X509Certificate(readFileSync(join(m.paths.selfSignedDir, 'cert.pem'))).fingerprint256, cert.fingerprint256);

  // Seeding again keeps a certificate that is still good; close to expiry it is replaced.
  const before = digest(chain);
  await m.reseed({ MAIL_DOMAIN: 'example.com example.net', SMTPD_USE_TLS: 'yes', FORCE_CONFIG: 'yes' });
  assert.equal(digest(chain), before);
  const later = new Date(Date.now() + 340 * 86_400_000);
  const r2 = await runSeed({
    env: { ...testInstanceEnv(m.root), MAIL_DOMAIN: 'example.com example.net', SMTPD_USE_TLS: 'yes', FORCE_CONFIG: 'yes' },
    root: m.root,
    variant: 'base',
    log: memoryLogger([]),
    now: later,
  });
  assert.equal(r2.status, 'applied');
  assert.notEqual(digest(chain), before);
  assert.ok(
    new Date(new X509Certificate(readFileSync(join(m.paths.selfSignedDir, 'cert.pem'))).validTo) >
      new Date(later.getTime() + 300 * 86_400_000),
  );
});

test('a locked start renews a self-signed certificate that is about to expire, keeping its names', async () => {
  const dir = await seedRoot(cleanups);
  const env = { ...testInstanceEnv(dir), MAIL_DOMAIN: 'example.com example.net', SMTPD_USE_TLS: 'yes' };
  assert.equal((await runSeed({ env, root: dir, variant: 'full', log: memoryLogger([]) })).status, 'applied');
  const certPath = join(dir, 'srv/etc/ssl/self/cert.pem');
  const first = new X509Certificate(readFileSync(certPath));
  const soon = await runSeed({ env, root: dir, variant: 'full', log: memoryLogger([]), now: new Date(Date.now() + 100 * 86_400_000) });
  assert.deepEqual([soon.status, soon.changed], ['skipped', []]);
  const due = await runSeed({ env, root: dir, variant: 'full', log: memoryLogger([]), now: new Date(Date.now() + 350 * 86_400_000) });
  assert.equal(due.status, 'skipped');
  assert.ok(due.changed.includes(certPath));
  const renewed = new X509Certificate(readFileSync(certPath));
  assert.notEqual(renewed.fingerprint256, first.fingerprint256);
  assert.equal(renewed.subjectAltName, first.subjectAltName);
});

test('SMTPD_TLS_CERT_FILE/KEY_FILE: the given certificate is served', async () => {
  const m = await start({ SMTPD_TLS_CERT_FILE: join(certs, 'a.crt'), SMTPD_TLS_KEY_FILE: join(certs, 'a.key') });
  const cert = served(m.port);
  assert.equal(cert?.fingerprint256, new X509Certificate(readFileSync(join(certs, 'a.crt'))).fingerprint256);
});

test('RSA and ECDSA pairs side by side: an ECDSA-only client gets the EC certificate', async () => {
  const m = await start({
    SMTPD_TLS_CERT_FILE: join(certs, 'a.crt'),
    SMTPD_TLS_KEY_FILE: join(certs, 'a.key'),
    SMTPD_TLS_ECCERT_FILE: join(certs, 'ec.crt'),
    SMTPD_TLS_ECKEY_FILE: join(certs, 'ec.key'),
  });
  const fp = (f: string) => new X509Certificate(readFileSync(join(certs, f))).fingerprint256;
  assert.equal(served(m.port, ['-tls1_2', '-sigalgs', 'ECDSA+SHA256'])?.fingerprint256, fp('ec.crt'));
  assert.equal(served(m.port, ['-tls1_2', '-sigalgs', 'RSA+SHA256'])?.fingerprint256, fp('a.crt'));
});

test('SMTPD_TLS_CHAIN_FILES: key then certificate, served', async () => {
  const m = await start({ SMTPD_TLS_CHAIN_FILES: `${join(certs, 'b.key')},${join(certs, 'b.crt')}` });
  assert.equal(served(m.port)?.fingerprint256, new X509Certificate(readFileSync(join(certs, 'b.crt'))).fingerprint256);
});

test('mismatched or unreadable TLS files are validation errors naming the variable; nothing is written', async () => {
  const dir = await seedRoot(cleanups);
  writeFileSync(join(certs, 'chain-bad.pem'), readFileSync(join(certs, 'a.key'), 'utf8') + readFileSync(join(certs, 'b.crt'), 'utf8'));
  const r = await runSeed({
    env: {
      ...testInstanceEnv(dir),
      MAIL_DOMAIN: 'example.com',
      SMTPD_TLS_CERT_FILE: join(certs, 'a.crt'),
      SMTPD_TLS_KEY_FILE: join(certs, 'b.key'),
      SMTPD_TLS_ECCERT_FILE: join(certs, 'missing.crt'),
      SMTPD_TLS_ECKEY_FILE: join(certs, 'a.key'),
      SMTPD_TLS_CHAIN_FILES: join(certs, 'chain-bad.pem'),
    },
    root: dir,
    variant: 'base',
    log: memoryLogger([]),
  });
  assert.equal(r.status, 'invalid');
  const by = (v: string) =>
    r.errors
      .filter((e) => e.variable === v)
      .map((e) => e.message)
      .join(' | ');
  assert.match(by('SMTPD_TLS_KEY_FILE'), /does not belong to the certificate/);
  assert.match(by('SMTPD_TLS_ECCERT_FILE'), /cannot read/);
  assert.match(by('SMTPD_TLS_CHAIN_FILES'), /does not belong/);
  assert.throws(() => statSync(join(dir, 'etc/postfix/main.cf')));
  // Key material never appears in the errors.
  assert.doesNotMatch(JSON.stringify([r.errors, r.failure]), /PRIVATE KEY/);
});
