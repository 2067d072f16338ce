import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildEffective, mtaPaths, parseEnv, writeEffective } from '@mta/shared';
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

test('on postfix 3.9 and later (the daemons fact) mta dhparam leaves main.cf alone: the parameter is deprecated', async () => {
  const root3 = mkdtempSync(join(tmpdir(), 'mta-dhparam-310-'));
  try {
    const etc = join(root3, 'etc/postfix');
    mkdirSync(etc, { recursive: true });
    copyFileSync('/etc/postfix/main.cf.proto', join(etc, 'main.cf'));
    const parsed = parseEnv({ HOSTNAME: 'mx.example.com' });
    assert.ok(parsed.ok);
    const effective = buildEffective({
      config: parsed.config,
      variant: 'mini',
      root: root3,
      now: new Date(),
      source: 'seeding',
      daemons: { postfix: '3.10.13' },
    });
    await writeEffective(mtaPaths(root3).effective, effective);
    const out: string[] = [];
    const io: CliIo = { env: { MTA_ROOT: root3 }, out: (l) => out.push(l), err: (l) => out.push(l) };
    assert.equal(await runCli(['dhparam', '--bits', '512', '--no-reload'], io), 0, out.join('\n'));
    assert.match(out.join('\n'), /postfix 3\.10\.13 uses its built-in DH groups/);
    assert.equal(existsSync(join(root3, 'srv/etc/ssl/dhparam.pem')), false);
    assert.equal(execFileSync('postconf', ['-c', etc, '-h', 'smtpd_tls_dh1024_param_file'], { encoding: 'utf8' }).trim(), '');
  } finally {
    rmSync(root3, { recursive: true, force: true });
  }
});
