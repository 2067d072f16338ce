import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { issue, makeCa } from '@mta/acme-watch/testing';
import { mtaPaths } from '@mta/shared';
import { certificateStatus } from './status-cert.ts';

test('status shows the acme certificate postfix serves, never its key', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-status-cert-'));
  try {
    const paths = mtaPaths(root);
    assert.deepEqual(await certificateStatus(paths), []);
    const c = issue(makeCa(), {
      cn: 'mx.example.com',
      sans: ['mx.example.com', 'example.com'],
      notAfter: new Date(Date.now() + 10.5 * 86_400_000),
    });
    mkdirSync(paths.acmeDir, { recursive: true });
    mkdirSync(paths.postfixConf, { recursive: true });
    writeFileSync(join(paths.acmeDir, 'chain.pem'), `${c.keyPem}${c.chainPem}`);
    writeFileSync(join(paths.acmeDir, 'installed.json'), JSON.stringify({ source: '/acme/acme.json', resolver: 'le' }));
    writeFileSync(join(paths.postfixConf, 'main.cf'), `smtpd_tls_chain_files = ${join(paths.acmeDir, 'chain.pem')}\n`);
    const lines = await certificateStatus(paths);
    assert.deepEqual(lines.slice(0, 2), [
      'certificate: CN=mx.example.com (acme /acme/acme.json (resolver le))',
      '  sans: mx.example.com example.com',
    ]);
    assert.match(lines[2] ?? '', /^ {2}notAfter: \d{4}-.*Z \(10 days left\)$/);
    assert.equal(lines[3], `  serial: ${c.serial}`);
    assert.doesNotMatch(lines.join('\n'), /PRIVATE/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
