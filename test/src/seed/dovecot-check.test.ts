import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import { mtaPaths } from '@mta/shared';
import { installedDovecotSyntax } from '../harness/dovecot.ts';
import { fileScope } from '../harness/scope.ts';
import { memoryLogger, seedRoot, testInstanceEnv } from '../harness/seeded-postfix.ts';

// The seed asks dovecot's own parser (doveconf -n) about the staged configuration, as it asks postfix: an operator's
// drop-in in conf.d that the installed dovecot refuses (one written for the other release) stops the seed with
// doveconf's reason naming that file, and nothing is written.
const scope = fileScope();
let root = '';

before(async () => {
  root = await seedRoot(scope, 'mta-dovecot-check-');
});

test("a drop-in the installed dovecot refuses: the seed's error names it and doveconf's reason; nothing is written", async () => {
  const paths = mtaPaths(root);
  const confD = join(paths.dovecotConf, 'conf.d');
  mkdirSync(confD, { recursive: true });
  const dropIn = join(confD, '60-mta-local.conf');
  // A setting of the other release's dovecot: 2.4 has no disable_plaintext_auth, 2.3 no auth_allow_cleartext.
  writeFileSync(dropIn, installedDovecotSyntax() === '2.4' ? 'disable_plaintext_auth = no\n' : 'auth_allow_cleartext = yes\n');
  const env = { ...testInstanceEnv(root), MTA_ROOT: root, MAIL_DOMAIN: 'example.com', SMTPD_SASL_CLIENTAUTH: 'app:{plain}pw' };
  const r = await runSeed({ env, root, variant: 'base', log: memoryLogger([]), gateways: [] });
  assert.equal(r.status, 'invalid');
  assert.match(r.failure ?? '', /^configuration rejected by dovecot \(doveconf -n\): /);
  assert.ok(r.failure?.includes(dropIn), `names the file: ${r.failure}`);
  assert.match(r.failure ?? '', /Unknown setting/);
  assert.ok(!r.failure?.includes('mta-seed-dovecot-'), 'no scratch path');
  assert.ok(!existsSync(join(paths.dovecotConf, 'dovecot.conf')), 'nothing written');
  assert.ok(!existsSync(join(paths.postfixConf, 'main.cf')));
  assert.ok(existsSync(join(root, 'srv/etc/.docker.unlock')), 'still to be seeded');
});
