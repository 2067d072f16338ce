import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { mainValue, removeMainSettings } from '@mta/seed/main-cf';
import { runSeed } from '@mta/seed/run';
import { dovecotSyntax, mtaPaths, readDaemonFact, readEffective } from '@mta/shared';
import { installedDovecotSyntax } from '../harness/dovecot.ts';
import { fileScope } from '../harness/scope.ts';
import { memoryLogger, seedRoot, testInstanceEnv } from '../harness/seeded-postfix.ts';

// Upgrade in place: a /srv seeded for the other release (a bookworm image's Dovecot 2.3 files and Postfix 3.7 main.cf
// under trixie's 2.4 and 3.10; on a bookworm host the same the other way round, a rollback) gets dovecot's files
// rendered again at the next locked start, in the installed dovecot's syntax, and main.cf's release-dependent rows
// those of the installed postfix, and nothing else seeded again.
const scope = fileScope();
let root = '';
const OTHER = { '2.4': { postfix: '3.7.11', dovecot: '2.3.19.1' }, '2.3': { postfix: '3.10.13', dovecot: '2.4.1-4' } } as const;
const ENV = {
  MAIL_DOMAIN: 'example.com',
  VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
  SMTPD_USE_TLS: 'yes',
  SMTPD_SASL_CLIENTAUTH: 'app:{plain}app-secret',
};
const seed = async (daemons?: (typeof OTHER)[keyof typeof OTHER], extra: Record<string, string> = {}) => {
  const lines: string[] = [];
  const env = { ...testInstanceEnv(root), MTA_ROOT: root, ...ENV, ...extra };
  const result = await runSeed({
    env,
    root,
    variant: 'base',
    log: memoryLogger(lines),
    gateways: [],
    ...(daemons && { daemons }),
  });
  return {
    result,
    events: lines.map((l) => JSON.parse(l) as { event: string; from?: string; to?: string; files?: string[]; variables?: string[] }),
  };
};

// Every file under the root: path -> digest of mode and content.
function snapshot(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) snapshot(p, out);
    else if (e.isFile())
      out.set(
        p,
        createHash('sha256')
          .update(`${statSync(p).mode}\n`)
          .update(readFileSync(p))
          .digest('hex'),
      );
  }
  return out;
}

before(async () => {
  root = await seedRoot(scope, 'mta-dovecot-migration-');
});

test("a /srv seeded for the other release: only dovecot's files and main.cf's release rows change, once, and the installed daemons accept them", async () => {
  const paths = mtaPaths(root);
  const installed = installedDovecotSyntax();
  const other = OTHER[installed];
  const seeded = await seed(other);
  assert.equal(seeded.result.status, 'applied', JSON.stringify(seeded.result));
  const conf = join(paths.dovecotConf, 'dovecot.conf');
  assert.equal(/^dovecot_config_version/m.test(readFileSync(conf, 'utf8')), installed === '2.3', 'seeded in the other syntax');
  assert.equal(dovecotSyntax((await readEffective(paths.effective))?.facts.daemons), installed === '2.4' ? '2.3' : '2.4');
  const before = snapshot(root);
  const mainCf = join(paths.postfixConf, 'main.cf');
  const mainBefore = readFileSync(mainCf, 'utf8');

  // A secret changed since seeding: never written down, so the migrated files can only have this start's.
  const changedSecret = { SMTPD_SASL_CLIENTAUTH: 'app:{plain}app-secret-2' };
  const start = await seed(undefined, changedSecret);
  assert.equal(start.result.status, 'skipped');
  const migrated = start.events.filter((e) => e.event === 'seed.dovecot_migrated');
  assert.equal(migrated.length, 1, JSON.stringify(start.events));
  assert.deepEqual([migrated[0]?.from, migrated[0]?.to], [installed === '2.4' ? '2.3' : '2.4', installed]);
  assert.deepEqual(start.events.find((e) => e.event === 'seed.dovecot_migrated_changed')?.variables, ['SMTPD_SASL_CLIENTAUTH']);
  const after = snapshot(root);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
  const outside = changed.filter((p) => !p.startsWith(`${paths.dovecotConf}/`) && p !== paths.effective && p !== mainCf);
  assert.deepEqual(outside, [], "nothing but dovecot's files, main.cf and the effective configuration changes");
  // main.cf: the rows postfix 3.10 needs (release-defaults.ts) where it is installed, none of them on 3.7; nothing else.
  const ROWS = ['smtpd_client_ipv6_prefix_length', 'tls_required_enable'];
  const mainAfter = readFileSync(mainCf, 'utf8');
  const want = installed === '2.4' ? ['128', 'no'] : ['', ''];
  assert.deepEqual(
    [mainValue(mainBefore, ROWS[0] ?? ''), mainValue(mainBefore, ROWS[1] ?? '')],
    installed === '2.4' ? ['', ''] : ['128', 'no'],
  );
  assert.deepEqual([mainValue(mainAfter, ROWS[0] ?? ''), mainValue(mainAfter, ROWS[1] ?? '')], want);
  assert.equal(removeMainSettings(mainAfter, ROWS).trimEnd(), removeMainSettings(mainBefore, ROWS).trimEnd());
  const pf = start.events.find((e) => e.event === 'seed.postfix_migrated') as { from?: string; to?: string } | undefined;
  assert.deepEqual([pf?.from, pf?.to], [other.postfix, (await readDaemonFact()).postfix]);
  assert.ok(changed.includes(conf), changed.join('\n'));
  const passdbs = join(paths.dovecotConf, 'mta-passdbs.conf.ext');
  assert.equal(after.has(passdbs), installed === '2.4', '2.4 keeps its passdbs in their own file, 2.3 has none');
  assert.deepEqual((await readEffective(paths.effective))?.facts.daemons, await readDaemonFact());
  // The installed dovecot's own parser accepts what the migration wrote.
  execFileSync('doveconf', ['-n', '-c', conf], { stdio: 'pipe' });

  // Migrated once: the next start finds the files in the installed syntax and changes nothing.
  const again = await seed(undefined, changedSecret);
  assert.equal(again.events.filter((e) => e.event === 'seed.dovecot_migrated' || e.event === 'seed.postfix_migrated').length, 0);
  assert.deepEqual(snapshot(root), after);
});
