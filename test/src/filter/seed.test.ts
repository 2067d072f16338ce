import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { renderFilter } from '@mta/seed/amavis/index';
import { renderers } from '@mta/seed/renderers';
import { runSeed } from '@mta/seed/run';
import { mtaPaths } from '@mta/shared';
import { memoryLogger, prepareSeedRoot, testInstanceEnv } from '../harness/seeded-postfix.ts';
import { tempRoot } from '../harness/tmp.ts';

// The filter renderer through the real applier: merged with the postfix core, staged, `postfix check`ed, written.
describe('seeding the content filter (full variant)', { timeout: 60_000 }, () => {
  const roots: { cleanup: () => Promise<void> }[] = [];
  after(async () => {
    for (const r of roots) await r.cleanup();
  });
  const seed = async (env: Record<string, string>, variant: 'full' | 'base' = 'full') => {
    const t = await tempRoot('mta-filter-seed-');
    roots.push(t);
    prepareSeedRoot(t.dir);
    const list = renderers.includes(renderFilter) ? renderers : [...renderers, renderFilter];
    const r = await runSeed({ env: { ...testInstanceEnv(t.dir), ...env }, root: t.dir, variant, log: memoryLogger([]), renderers: list });
    return { root: t.dir, paths: mtaPaths(t.dir), r };
  };

  it('wires postfix to amavis and writes amavis, SpamAssassin and clamd configs with their owners', async () => {
    const { paths, r } = await seed({ MAIL_DOMAIN: 'example.com', FINAL_SPAM_DESTINY: 'D_DISCARD', AMAVIS_MAX_SERVERS: '3' });
    assert.equal(r.status, 'applied', JSON.stringify(r.errors));
    const pc = (...a: string[]) => execFileSync('postconf', ['-c', paths.postfixConf, ...a]).toString();
    assert.equal(pc('-h', 'content_filter').trim(), 'smtp-amavis:[127.0.0.1]:10024');
    assert.equal(pc('-h', 'smtpd_data_restrictions').trim(), 'check_sasl_access static:{FILTER smtp-amavis:[127.0.0.1]:10026}');
    assert.match(pc('-M', 'smtp-amavis/unix'), /^smtp-amavis\s+unix\s+-\s+-\s+n\s+-\s+3\s+smtp/);
    assert.match(
      pc('-M', '127.0.0.1:10025/inet'),
      /-o content_filter= .*-o receive_override_options=no_unknown_recipient_checks,no_header_body_checks/,
    );
    execFileSync('postfix', ['-c', paths.postfixConf, 'check']);

    const conf = join(paths.amavisConf, 'amavisd.conf');
    assert.match(readFileSync(conf, 'utf8'), /^\$final_spam_destiny = D_DISCARD;$/m);
    const st = statSync(conf);
    assert.equal(st.mode & 0o777, 0o640);
    assert.equal(st.gid, Number(execFileSync('id', ['-g', 'amavis']).toString()));
    assert.equal(statSync(paths.quarantine).uid, Number(execFileSync('id', ['-u', 'amavis']).toString()));
    assert.match(readFileSync(join(paths.root, 'etc/spamassassin/local.cf'), 'utf8'), new RegExp(`^bayes_path ${paths.bayes}$`, 'm'));
    assert.ok(existsSync(join(paths.root, 'etc/clamav/clamd.conf')));
  });

  it('leaves the filter out of the base variant', async () => {
    const { paths, r } = await seed({ MAIL_DOMAIN: 'example.com' }, 'base');
    assert.equal(r.status, 'applied', JSON.stringify(r.errors));
    assert.equal(execFileSync('postconf', ['-c', paths.postfixConf, '-h', 'content_filter']).toString().trim(), '');
    assert.ok(!existsSync(join(paths.amavisConf, 'amavisd.conf')));
  });

  it('refuses an invalid destiny or level and writes nothing', async () => {
    const { paths, r } = await seed({ MAIL_DOMAIN: 'example.com', FINAL_VIRUS_DESTINY: 'D_DELETE', SA_TAG2_LEVEL_DEFLT: 'six' });
    assert.equal(r.status, 'invalid');
    assert.deepEqual(r.errors.map((e) => e.variable).sort(), ['FINAL_VIRUS_DESTINY', 'SA_TAG2_LEVEL_DEFLT']);
    assert.match(r.errors.find((e) => e.variable === 'FINAL_VIRUS_DESTINY')?.message ?? '', /D_PASS/);
    assert.ok(!existsSync(join(paths.amavisConf, 'amavisd.conf')));
    assert.ok(!existsSync(join(paths.postfixConf, 'main.cf')));
  });
});
