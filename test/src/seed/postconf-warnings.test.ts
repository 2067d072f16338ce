import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import type { RawEnv, Variant } from '@mta/shared';
import { fileScope, memoryLogger, prepareSeedRoot } from '../harness/index.ts';

// What the seed renders must not make the installed postfix warn: postconf warns about parameters a release does
// not know ("unused parameter") and, from 3.9 on, about deprecated ones (disable_dns_lookups, smtpd_tls_dh1024_param_file,
// …). Each environment is seeded by the real seed against the postfix of this release (bookworm's 3.7 or trixie's
// 3.10, MTA_TEST_RELEASE), with the DH parameters of `mta dhparam` in place.
const scope = fileScope();

const CASES: [string, Variant, RawEnv][] = [
  ['the minimum', 'mini', { MAIL_DOMAIN: 'example.com', MAIL_BOXES: 'info@example.com' }],
  [
    'TLS, relay with credentials, SMTP AUTH, SRS, postscreen, PROXY gate',
    'full',
    {
      MAIL_DOMAIN: 'example.com',
      MAIL_BOXES: 'info@example.com',
      SMTPD_USE_TLS: 'yes',
      SMTP_RELAY_HOSTAUTH: '[relay.example.net]:587 user:pass',
      SMTP_TLS_SECURITY_LEVEL: 'encrypt',
      SMTPD_SASL_CLIENTAUTH: 'app@example.com:{plain}secret',
      POSTSCREEN: 'yes',
      SRS: 'yes',
      TRUSTED_PROXIES: '172.16.0.2',
    },
  ],
  [
    'relays by sender with their TLS levels, TLS policy overrides, DANE',
    'mini',
    {
      MAIL_DOMAIN: 'example.com',
      MAIL_BOXES: 'info@example.com',
      SMTP_RELAY_SENDER_HOSTAUTH: '@example.com [smtp.a.example]:587 u:p, info@example.com [smtp.b.example]:25 none',
      SMTP_TLS_POLICY: 'broken.example may, partner.example encrypt protocols=>=TLSv1.3',
    },
  ],
  [
    'deprecated postfix parameters given as pass-through variables',
    'base',
    { MAIL_DOMAIN: 'example.com', MAIL_BOXES: 'info@example.com', DISABLE_DNS_LOOKUPS: 'yes', SMTP_USE_TLS: 'yes', LMTP_ENFORCE_TLS: 'no' },
  ],
];

for (const [name, variant, env] of CASES) {
  test(`postconf has no warning for what the seed renders: ${name} (${variant})`, async () => {
    const dir = await scope.dir('mta-postconf-');
    prepareSeedRoot(dir);
    mkdirSync(join(dir, 'srv/etc/ssl'), { recursive: true });
    writeFileSync(join(dir, 'srv/etc/ssl/dhparam.pem'), '-----BEGIN DH PARAMETERS-----\n-----END DH PARAMETERS-----\n');
    const r = await runSeed({ env: { HOSTNAME: 'mx.example.com', ...env }, root: dir, variant, log: memoryLogger([]) });
    assert.equal(r.status, 'applied', JSON.stringify(r));
    const etc = join(dir, 'etc/postfix');
    for (const args of [['-n'], ['-M'], ['-P']]) {
      const p = spawnSync('postconf', ['-c', etc, ...args], { encoding: 'utf8' });
      assert.equal(p.status, 0, p.stderr);
      assert.ok(p.stdout.length > 0, `postconf ${args.join(' ')} printed the configuration`);
      assert.equal(p.stderr, '', `postconf ${args.join(' ')} warned`);
    }
  });
}
