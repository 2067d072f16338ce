import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCaptured } from '@mta/cli/testing';
import { guardProtection } from '@mta/guard';
import { runSeed } from '@mta/seed/run';
import { mtaPaths, parseEffective, readEffective } from '@mta/shared';
import { fileScope } from '../harness/scope.ts';
import { memoryLogger, prepareSeedRoot, seedRoot, testInstanceEnv } from '../harness/seeded-postfix.ts';
import { tempRoot } from '../harness/tmp.ts';

// The seeded values are what every process works with: changed without FORCE_CONFIG, TRUSTED_PROXIES and MYNETWORKS
// are named once at start as not applied, and haproxy, postfix, the guard and `mta guard` keep agreeing on the
// seeded ones (a guard that trusted the new proxy while haproxy did not could be made to never ban anyone).
const scope = fileScope();
let root = '';
const SEEDED = { TRUSTED_PROXIES: '192.0.2.10', MYNETWORKS: '127.0.0.0/8 198.51.100.0/24' };
const CHANGED = { TRUSTED_PROXIES: '192.0.2.99', MYNETWORKS: '127.0.0.0/8 203.0.113.0/24' };
const env = (vars: Record<string, string>) => ({ ...testInstanceEnv(root), MTA_ROOT: root, MAIL_DOMAIN: 'example.com', ...vars });
const seed = async (vars: Record<string, string>) => {
  const lines: string[] = [];
  const result = await runSeed({ env: env(vars), root, variant: 'mini', log: memoryLogger(lines), gateways: [] });
  return { result, events: lines.map((l) => JSON.parse(l) as { event: string; variables?: string[]; msg: string }) };
};

before(async () => {
  root = await seedRoot(scope, 'mta-effective-');
});

test('seeded variables changed without FORCE_CONFIG: reported once, and every process keeps the seeded values', async () => {
  const paths = mtaPaths(root);
  const first = await seed(SEEDED);
  assert.equal(first.result.status, 'applied', JSON.stringify(first.result.errors));
  const written = await readEffective(paths.effective);
  assert.equal(written?.source, 'seeding');
  assert.deepEqual(written?.facts.trustedProxies, ['192.0.2.10']);

  const next = await seed(CHANGED);
  assert.equal(next.result.status, 'skipped');
  const told = next.events.filter((e) => e.event === 'seed.not_applied');
  assert.equal(told.length, 1);
  assert.deepEqual(told[0]?.variables, ['MYNETWORKS', 'TRUSTED_PROXIES']);
  assert.match(told[0]?.msg ?? '', /^MYNETWORKS, TRUSTED_PROXIES changed since seeding and are not applied: .*FORCE_CONFIG=OVERWRITE/);

  // haproxy and postfix run on the seeded files.
  assert.equal(readFileSync(paths.trustedProxies, 'utf8'), '192.0.2.10\n');
  assert.match(readFileSync(paths.haproxyConf, 'utf8'), /mta-trusted-proxies\.lst/);
  const mynetworks = execFileSync('postconf', ['-c', paths.postfixConf, '-h', 'mynetworks'], { encoding: 'utf8' });
  assert.match(mynetworks, /198\.51\.100\.0\/24/);
  assert.doesNotMatch(mynetworks, /203\.0\.113/);

  // Every sidecar's entry (runSidecar, as the guard's main) hands its pass the seeded values.
  const entry = `import { runSidecar } from '@mta/shared';
    await runSidecar({ name: 'probe', failEvent: 'probe.failed', once: async ({ config }) => {
      process.stderr.write(JSON.stringify({ proxies: config.TRUSTED_PROXIES, networks: config.MYNETWORKS }));
    } });`;
  const probe = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', entry], {
    env: { PATH: process.env.PATH, ...env(CHANGED) },
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
  });
  assert.equal(probe.status, 0, probe.stderr);
  assert.deepEqual(JSON.parse(probe.stderr), { proxies: ['192.0.2.10'], networks: ['127.0.0.0/8', '198.51.100.0/24'] });

  // The guard's never-ban list, from that configuration.
  const parsed = await parseEffective(env(CHANGED));
  assert.ok(parsed.ok);
  const guard = await guardProtection(parsed.config, paths.postfixConf);
  assert.ok(guard.has('192.0.2.10') && guard.has('198.51.100.7'));
  assert.ok(!guard.has('192.0.2.99') && !guard.has('203.0.113.7'));

  // `mta guard ban` refuses exactly what the guard protects.
  for (const ip of ['192.0.2.10', '198.51.100.7']) {
    const r = await runCaptured(['guard', 'ban', ip], env(CHANGED));
    assert.equal(r.code, 1, `${ip}: ${r.out}${r.err}`);
    assert.match(r.err, /a trusted proxy or in GUARD_IGNORE; not banned/);
  }
  for (const ip of ['192.0.2.99', '203.0.113.7']) {
    const r = await runCaptured(['guard', 'ban', ip], env(CHANGED));
    assert.equal(r.code, 0, `${ip}: ${r.err}`);
  }
});

test('a /srv seeded by an earlier version gets its effective configuration at the first start, nothing seeded again', async () => {
  const paths = mtaPaths(root);
  rmSync(paths.effective);
  const mainCf = readFileSync(join(paths.postfixConf, 'main.cf'), 'utf8');
  // What an operator changed in main.cf by hand stays: nothing is rendered again.
  writeFileSync(join(paths.postfixConf, 'main.cf'), `${mainCf}# kept\n`);
  // The first start of this version, with the variables changed since that seeding: the relay trust and the proxies
  // are read back from what postfix and haproxy run on, and the change is named.
  const start = await seed(CHANGED);
  assert.equal(start.result.status, 'skipped');
  assert.deepEqual(start.result.changed, []);
  assert.ok(start.events.some((e) => e.event === 'seed.effective_written'));
  assert.deepEqual(start.events.find((e) => e.event === 'seed.not_applied')?.variables, ['MYNETWORKS', 'TRUSTED_PROXIES']);
  assert.equal(readFileSync(join(paths.postfixConf, 'main.cf'), 'utf8'), `${mainCf}# kept\n`);
  const e = await readEffective(paths.effective);
  assert.equal(e?.source, 'upgrade');
  assert.deepEqual(e?.facts.trustedProxies, ['192.0.2.10']);
  assert.deepEqual(e?.facts.mynetworks, ['127.0.0.0/8', '198.51.100.0/24']);
  assert.equal(e?.facts.services.proxyGate, true);
});

test('a changed secret or pass-through variable is named as not applied, by name only; the digests are root-only', async () => {
  const r = await tempRoot('mta-effective-inputs-');
  try {
    prepareSeedRoot(r.dir);
    const vars = (relayPassword: string, extra: Record<string, string>) => ({
      ...testInstanceEnv(r.dir),
      MTA_ROOT: r.dir,
      MAIL_DOMAIN: 'example.com',
      RELAYHOST: '[relay.example.net]:587',
      SMTP_RELAY_HOSTAUTH: `[relay.example.net]:587 mx:${relayPassword}`,
      DISABLE_VRFY_COMMAND: 'yes',
      ...extra,
    });
    const run = async (e: Record<string, string>) => {
      const lines: string[] = [];
      const result = await runSeed({ env: e, root: r.dir, variant: 'mini', log: memoryLogger(lines), gateways: [] });
      return {
        result,
        lines,
        told: lines.map((l) => JSON.parse(l) as { event: string; variables?: string[] }).find((l) => l.event === 'seed.not_applied'),
      };
    };
    const first = await run(vars('first-secret-31', {}));
    assert.equal(first.result.status, 'applied', JSON.stringify(first.result));
    const file = mtaPaths(r.dir).seededInputs;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const digests = readFileSync(file, 'utf8');
    assert.ok(!digests.includes('first-secret-31'));
    // Seeded secrets and every variable that passed through to postfix (the test instance's own among them); never ours.
    const names = Object.keys(JSON.parse(digests).digests);
    for (const n of ['DISABLE_VRFY_COMMAND', 'RELAYHOST', 'SMTP_RELAY_HOSTAUTH']) assert.ok(names.includes(n), names.join());
    assert.ok(!names.includes('MAIL_DOMAIN'));

    // The same environment again: nothing to tell.
    assert.equal((await run(vars('first-secret-31', {}))).told, undefined);
    // The relay password changed, a pass-through variable changed and one added: named, never their values.
    const next = await run(vars('second-secret-32', { DISABLE_VRFY_COMMAND: 'no', SMTPD_HELO_REQUIRED: 'yes' }));
    assert.equal(next.result.status, 'skipped');
    assert.deepEqual(next.told?.variables, ['DISABLE_VRFY_COMMAND', 'SMTPD_HELO_REQUIRED', 'SMTP_RELAY_HOSTAUTH']);
    assert.ok(!next.lines.join('\n').includes('second-secret-32'));
    // postfix still runs on the seeded password until FORCE_CONFIG.
    assert.match(readFileSync(join(mtaPaths(r.dir).postfixConf, 'sasl_passwd'), 'utf8'), /mx:first-secret-31/);
    const forced = await run(vars('second-secret-32', { DISABLE_VRFY_COMMAND: 'no', SMTPD_HELO_REQUIRED: 'yes', FORCE_CONFIG: 'yes' }));
    assert.equal(forced.result.status, 'applied');
    assert.equal((await run(vars('second-secret-32', { DISABLE_VRFY_COMMAND: 'no', SMTPD_HELO_REQUIRED: 'yes' }))).told, undefined);
  } finally {
    await r.cleanup();
  }
});

test('mailboxes and aliases stay out of the world-readable effective file; a changed list is still named', async () => {
  const r = await tempRoot('mta-effective-tables-');
  try {
    prepareSeedRoot(r.dir);
    const paths = mtaPaths(r.dir);
    const vars = (boxes: string) => ({
      ...testInstanceEnv(r.dir),
      MTA_ROOT: r.dir,
      MAIL_DOMAIN: 'example.com',
      MAIL_BOXES: boxes,
      MAIL_ALIASES: 'postmaster:info',
    });
    const run = async (e: Record<string, string>) => {
      const lines: string[] = [];
      const result = await runSeed({ env: e, root: r.dir, variant: 'mini', log: memoryLogger(lines), gateways: [] });
      return { result, events: lines.map((l) => JSON.parse(l) as { event: string; variables?: string[] }) };
    };
    assert.equal((await run(vars('info@example.com secret-user@example.com'))).result.status, 'applied');
    assert.doesNotMatch(readFileSync(paths.effective, 'utf8'), /secret-user/);
    assert.equal(statSync(paths.effectiveTables).mode & 0o777, 0o600);
    assert.match(readFileSync(paths.effectiveTables, 'utf8'), /secret-user@example\.com/);
    assert.equal((await readEffective(paths.effective))?.tables?.MAIL_BOXES?.entries, 2);
    const next = await run(vars('info@example.com'));
    assert.equal(next.result.status, 'skipped');
    assert.deepEqual(next.events.find((e) => e.event === 'seed.not_applied')?.variables, ['MAIL_BOXES']);
    const same = await run(vars('info@example.com secret-user@example.com'));
    assert.equal(
      same.events.find((e) => e.event === 'seed.not_applied'),
      undefined,
    );
  } finally {
    await r.cleanup();
  }
});
