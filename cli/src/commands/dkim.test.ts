import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCaptured } from '../testing.ts';

let root: string;
const pem = (bits: number) =>
  String(generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ format: 'pem', type: 'pkcs1' }));

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCaptured(args, { MTA_ROOT: root, HOSTNAME: 'mx.a.test', MAIL_DOMAIN: 'a.test b.test', ...env });

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mta-cli-dkim-'));
  const dir = join(root, 'var/db/dkim');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'a.test.default.privkey.pem'), pem(1024));
  await writeFile(join(dir, 'a.test.old.privkey.pem'), pem(1024));
  await writeFile(join(dir, 'x.test.default.privkey.pem'), 'broken');
});
after(() => rm(root, { recursive: true, force: true }));

test('dkim show prints selector, bits, fingerprint and TXT value of each key, without key material', async () => {
  const r = await cli(['dkim', 'show', 'a.test', '--offline']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^a\.test\n {2}selector {5}default\n/m);
  assert.match(r.out, / {2}selector {5}old \(not DKIM_SELECTOR\)/);
  assert.match(r.out, / {2}bits {9}1024/);
  assert.match(r.out, / {2}fingerprint {2}SHA256:[A-Za-z0-9+/]{43}/);
  assert.match(r.out, / {2}value {8}v=DKIM1; k=rsa; p=MIG/);
  assert.match(r.out, / {2}dns {10}not checked \(--offline\)/);
  assert.doesNotMatch(r.out, /PRIVATE KEY/);
});

test('dkim show without a domain covers MAIL_DOMAIN and key files, and exits 1 for missing or broken keys', async () => {
  const r = await cli(['dkim', 'show', '--offline']);
  assert.equal(r.code, 1);
  assert.match(r.out, /^b\.test: no DKIM key \(selector default\)/m);
  assert.match(r.out, /^x\.test\n[\s\S]* {2}problem {6}not a PEM private key/m);
});

test('dkim show reports an unreachable DNS server instead of failing', async () => {
  const r = await cli(['dkim', 'show', 'a.test', '--dns', '127.0.0.1:1']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, / {2}dns {10}not checked: DNS not reachable \(E[A-Z]+\)/);
});
