import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CliIo } from '../io.ts';
import { runCli } from '../program.ts';

const root = mkdtempSync(join(tmpdir(), 'mta-dhparam-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('mta dhparam writes valid DH parameters atomically and names them in main.cf', async () => {
  const etc = join(root, 'etc/postfix');
  mkdirSync(etc, { recursive: true });
  copyFileSync('/etc/postfix/main.cf.proto', join(etc, 'main.cf'));
  const out: string[] = [];
  const io: CliIo = { env: { MTA_ROOT: root }, out: (l) => out.push(l), err: (l) => out.push(l) };
  assert.equal(await runCli(['dhparam', '--bits', '512', '--no-reload'], io), 0, out.join('\n'));
  const file = join(root, 'srv/etc/ssl/dhparam.pem');
  assert.match(readFileSync(file, 'utf8'), /^-----BEGIN DH PARAMETERS-----\n[\s\S]+-----END DH PARAMETERS-----\n$/);
  assert.equal(statSync(file).mode & 0o777, 0o644);
  const check = spawnSync('openssl', ['dhparam', '-in', file, '-check', '-noout'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(execFileSync('postconf', ['-c', etc, '-h', 'smtpd_tls_dh1024_param_file'], { encoding: 'utf8' }).trim(), file);
});
