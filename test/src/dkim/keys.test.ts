import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mtaPaths, parseTxtRecord } from '@mta/shared';
import { tempRoot } from '../harness/index.ts';
import { startTxtServer, type TxtServer } from './dns.ts';
import { amavisd, opensslPublicKey, runOnce, writeAmavisConf } from './helpers.ts';

const amavisGid = async (): Promise<number> => Number((await readFile('/etc/group', 'utf8')).match(/^amavis:[^:]*:(\d+):/m)?.[1]);
const spki = (pem: string | Buffer): string =>
  createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' }).toString('base64');
const pValue = (txt: string): string | undefined => /p=([A-Za-z0-9+/=]+)/.exec(parseTxtRecord(txt) ?? '')?.[1];

describe('dkim-keys sidecar against a temp root', () => {
  const roots: (() => Promise<void>)[] = [];
  let dns: TxtServer;
  const newRoot = async () => {
    const r = await tempRoot('mta-dkim-');
    roots.push(r.cleanup);
    return { root: r.dir, paths: mtaPaths(r.dir) };
  };
  before(async () => {
    dns = await startTxtServer();
  });
  after(async () => {
    await dns.close();
    for (const c of roots) await c();
  });

  test('fresh start keys every domain; amavis, openssl and DNS agree; a restart keeps the keys', async () => {
    const { root, paths } = await newRoot();
    const first = await runOnce(root, { MAIL_DOMAIN: 'a.test b.test' });
    assert.equal(first.code, 0, first.output);
    assert.equal((first.output.match(/"event":"mta\.dkim\.key\.created"/g) ?? []).length, 2);
    assert.deepEqual((await readdir(paths.dkim)).sort(), [
      'a.test.default._domainkey.txt',
      'a.test.default.privkey.pem',
      'b.test.default._domainkey.txt',
      'b.test.default.privkey.pem',
    ]);
    const gid = await amavisGid();
    const conf = await writeAmavisConf(root, { dnsPort: dns.port });
    const showkeys = await amavisd(conf, ['showkeys']);
    for (const d of ['a.test', 'b.test']) {
      const keyFile = join(paths.dkim, `${d}.default.privkey.pem`);
      const st = await stat(keyFile);
      assert.equal(st.mode & 0o777, 0o640, `${d} key mode`);
      assert.deepEqual([st.uid, st.gid], [0, gid], `${d} key owner root:amavis`);
      const pem = await readFile(keyFile, 'utf8');
      assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----/);
      assert.equal(createPrivateKey(pem).asymmetricKeyDetails?.modulusLength, 2048);
      const txt = await readFile(join(paths.dkim, `${d}.default._domainkey.txt`), 'utf8');
      for (const m of txt.matchAll(/"([^"]*)"/g)) assert.ok((m[1] ?? '').length <= 255, 'TXT string over 255 chars');
      assert.equal(pValue(txt), await opensslPublicKey(keyFile), `${d}: TXT p= is the key's public part (openssl)`);
      assert.ok(showkeys.includes(`s=default, d=${d}, ${keyFile}`), `amavis loaded the ${d} key:\n${showkeys}`);
      const amavisTxt = showkeys.split(/^; key#\d+ /m).find((s) => s.includes(`d=${d},`)) ?? '';
      assert.equal(pValue(amavisTxt), pValue(txt), `${d}: amavis showkeys prints the same public key`);
      dns.set(
        `default._domainkey.${d}`,
        [...txt.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''),
      );
    }
    // amavis fetches what we told users to publish and checks it against the private keys it loaded.
    const testkeys = await amavisd(conf, ['testkeys']);
    assert.match(testkeys, /TESTING#1 a\.test: default\._domainkey\.a\.test => pass/);
    assert.match(testkeys, /TESTING#2 b\.test: default\._domainkey\.b\.test => pass/);

    const before = await Promise.all(['a.test', 'b.test'].map((d) => readFile(join(paths.dkim, `${d}.default.privkey.pem`))));
    const again = await runOnce(root, { MAIL_DOMAIN: 'a.test b.test' });
    assert.equal(again.code, 0, again.output);
    assert.doesNotMatch(again.output, /mta\.dkim\.key\.(created|imported)/);
    const now = await Promise.all(['a.test', 'b.test'].map((d) => readFile(join(paths.dkim, `${d}.default.privkey.pem`))));
    assert.deepEqual(now.map(spki), before.map(spki), 'restart keeps the same keys');
  });

  test('DKIM_PRIVATEKEY without armour becomes a PEM file with the same public key; the old file is kept as .bak', async () => {
    const { root, paths } = await newRoot();
    assert.equal((await runOnce(root, { MAIL_DOMAIN: 'a.test' })).code, 0);
    const keyFile = join(paths.dkim, 'a.test.default.privkey.pem');
    const old = await readFile(keyFile);
    const mine = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const body = String(mine.export({ format: 'pem', type: 'pkcs8' }))
      .replace(/-----[A-Z ]+-----/g, '')
      .replace(/\s+/g, '');
    const r = await runOnce(root, { MAIL_DOMAIN: 'a.test', DKIM_PRIVATEKEY: body, FORCE_CONFIG: 'yes' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /"event":"mta\.dkim\.key\.imported".*"source":"DKIM_PRIVATEKEY"/);
    assert.match(r.output, /"event":"dkim\.key\.replaced"/);
    assert.ok(!r.output.includes(body.slice(20, 80)), 'key material in the output');
    const pem = await readFile(keyFile, 'utf8');
    assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/);
    assert.equal(spki(pem), spki(mine.export({ format: 'pem', type: 'pkcs1' })));
    assert.deepEqual(await readFile(`${keyFile}.bak`), old);
    assert.equal(pValue(await readFile(join(paths.dkim, 'a.test.default._domainkey.txt'), 'utf8')), spki(pem));

    // Outside seeding a different DKIM_PRIVATEKEY does not replace the file on disk.
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' });
    assert.equal((await runOnce(root, { MAIL_DOMAIN: 'a.test', DKIM_PRIVATEKEY: String(other) })).code, 0);
    assert.equal(await readFile(keyFile, 'utf8'), pem);
  });

  for (const [what, value] of [
    ['garbage', 'MIIEsecretGARBAGE0123456789notakey'],
    ['a 512-bit key', String(generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ format: 'pem', type: 'pkcs1' }))],
  ] as const)
    test(`DKIM_PRIVATEKEY = ${what}: exit with an error naming it, nothing written, no key material in the output`, async () => {
      const { root, paths } = await newRoot();
      const r = await runOnce(root, { MAIL_DOMAIN: 'a.test b.test', DKIM_PRIVATEKEY: value, FORCE_CONFIG: 'yes' });
      assert.notEqual(r.code, 0);
      assert.match(r.output, /DKIM_PRIVATEKEY/);
      const secretPart = value
        .replace(/-----[A-Z ]+-----/g, '')
        .replace(/\s+/g, '')
        .slice(10, 40);
      assert.ok(!r.output.includes(secretPart), 'key material in the output');
      await assert.rejects(readdir(paths.dkim), { code: 'ENOENT' });
      await assert.rejects(stat(paths.amavisDkim), { code: 'ENOENT' });
    });

  test('a broken key file on disk is reported, left alone and kept out of amavis; other domains still get keys', async () => {
    const { root, paths } = await newRoot();
    await mkdir(paths.dkim, { recursive: true });
    const broken = join(paths.dkim, 'a.test.default.privkey.pem');
    await writeFile(broken, 'not a key\n');
    const r = await runOnce(root, { MAIL_DOMAIN: 'a.test b.test' });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /"event":"mta\.dkim\.key\.rejected".*a\.test\.default\.privkey\.pem/);
    assert.equal(await readFile(broken, 'utf8'), 'not a key\n');
    const snippet = await readFile(paths.amavisDkim, 'utf8');
    assert.doesNotMatch(snippet, /'a\.test'/);
    assert.match(snippet, /dkim_key\('b\.test', 'default'/);
    const showkeys = await amavisd(await writeAmavisConf(root), ['showkeys']);
    assert.match(showkeys, /key#1 2048 bits, s=default, d=b\.test/);
    assert.doesNotMatch(showkeys, /d=a\.test/);
  });
});
