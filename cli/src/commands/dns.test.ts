import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inspectKey } from '@mta/dkim-keys';
import { runCaptured } from '../testing.ts';

let root: string;
let dnsValue: string;

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCaptured(args, { MTA_ROOT: root, HOSTNAME: 'mx.a.test', MAIL_DOMAIN: 'a.test b.test', ...env });

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mta-cli-dns-'));
  await mkdir(join(root, 'var/db/dkim'), { recursive: true });
  const pem = String(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }));
  await writeFile(join(root, 'var/db/dkim/a.test.default.privkey.pem'), pem);
  const r = inspectKey(pem);
  assert.ok(r.ok);
  dnsValue = r.info.dnsValue;
});
after(() => rm(root, { recursive: true, force: true }));

test('dns prints MX, SPF, DKIM and DMARC for every MAIL_DOMAIN', async () => {
  const r = await cli(['dns']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^a\.test\.\t3600\tIN\tMX\t10 mx\.a\.test\.$/m);
  assert.match(r.out, /^a\.test\.\t3600\tIN\tTXT\t"v=spf1 mx -all"$/m);
  assert.match(r.out, /^_dmarc\.a\.test\.\t3600\tIN\tTXT\t"v=DMARC1; p=quarantine; rua=mailto:postmaster@a\.test"$/m);
  const dkim = /^default\._domainkey\.a\.test\.\t3600\tIN\tTXT\t\(([^)]*)\)$/m.exec(r.out)?.[1] ?? '';
  const strings = [...dkim.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
  assert.ok(strings.every((s) => s.length <= 255));
  assert.equal(strings.join(''), dnsValue);
  assert.match(r.out, /^; no DKIM key for b\.test yet/m);
  assert.match(r.out, /^_dmarc\.b\.test\./m);
});

test('dns for one domain prints only that domain', async () => {
  const r = await cli(['dns', 'b.test']);
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.out, /^(_dmarc\.)?a\.test\.|_domainkey\.a\.test/m);
  assert.match(r.out, /^b\.test\.\t3600\tIN\tMX\t10 mx\.a\.test\.$/m);
});

test('dns with an invalid environment names the variable and exits 1', async () => {
  const r = await cli(['dns'], { DKIM_SELECTOR: 'not a label' });
  assert.equal(r.code, 1);
  assert.match(r.err, /DKIM_SELECTOR/);
});

test('with DMARC_REPORTS=yes the DMARC record names the report address, and its zone is told to accept (7.1)', async () => {
  const r = await cli(['dns'], { DMARC_REPORTS: 'yes', DMARC_REPORT_FROM: 'dmarc@reports.a.test' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^_dmarc\.a\.test\.\t3600\tIN\tTXT\t"v=DMARC1; p=quarantine; rua=mailto:dmarc@reports\.a\.test"$/m);
  // Under a.test itself: nothing more to publish; b.test's reports go to another domain, which must agree.
  assert.doesNotMatch(r.out, /a\.test\._report\._dmarc/);
  assert.match(r.out, /^b\.test\._report\._dmarc\.reports\.a\.test\.\t3600\tIN\tTXT\t"v=DMARC1"$/m);
  const off = await cli(['dns']);
  assert.match(off.out, /rua=mailto:postmaster@a\.test"$/m);
});

test('dns prints the _mta-sts record when our policy is published, its id following the policy, and _smtp._tls always', async () => {
  const off = await cli(['dns', 'a.test']);
  assert.doesNotMatch(off.out, /_mta-sts/);
  assert.match(off.out, /^_smtp\._tls\.a\.test\.\t3600\tIN\tTXT\t"v=TLSRPTv1; rua=mailto:postmaster@a\.test"$/m);
  const id = async (env: Record<string, string>) => {
    const r = await cli(['dns', 'a.test'], env);
    assert.equal(r.code, 0, r.err);
    return /^_mta-sts\.a\.test\.\t3600\tIN\tTXT\t"v=STSv1; id=([0-9a-f]{20})"$/m.exec(r.out)?.[1];
  };
  const testing = await id({ MTA_STS_PUBLISH: 'testing' });
  assert.ok(testing);
  assert.equal(await id({ MTA_STS_PUBLISH: 'testing' }), testing, 'the same policy keeps its id');
  assert.notEqual(await id({ MTA_STS_PUBLISH: 'enforce' }), testing);
  assert.notEqual(await id({ MTA_STS_PUBLISH: 'testing', MTA_STS_MX: 'mx1.a.test mx2.a.test' }), testing);
  assert.notEqual(await id({ MTA_STS_PUBLISH: 'testing', MTA_STS_MAX_AGE: '86400' }), testing);
});
