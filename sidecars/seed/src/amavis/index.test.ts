import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnv } from '@mta/shared';
import { contextFor, withConfig } from './context.test-helper.ts';
import { filterRenderer } from './index.ts';

const render = (env: Record<string, string>, cpus = 4) => filterRenderer({ cpus })(contextFor(env));
const file = (part: ReturnType<typeof render>, suffix: string) => {
  const f = part.files?.find((x) => x.path.endsWith(suffix));
  assert.ok(f, `no ${suffix} planned`);
  return String(f.content);
};

describe('content filter renderer', () => {
  it('renders nothing outside the full variant', () => {
    const ctx = { ...contextFor({ MAIL_DOMAIN: 'example.com' }), variant: 'base' as const };
    assert.deepEqual(filterRenderer()(ctx), {});
  });

  it('maps destinies, levels and log settings into amavisd.conf', () => {
    const conf = file(
      render({
        MAIL_DOMAIN: 'example.com example.org',
        FINAL_SPAM_DESTINY: 'D_DISCARD',
        FINAL_VIRUS_DESTINY: 'D_REJECT',
        SA_TAG_LEVEL_DEFLT: '1.5',
        SA_KILL_LEVEL_DEFLT: '9',
        LOG_LEVEL: '3',
        SA_DEBUG: '1',
      }),
      '/etc/amavis/amavisd.conf',
    );
    assert.match(conf, /^\$final_spam_destiny = D_DISCARD;$/m);
    assert.match(conf, /^\$final_virus_destiny = D_REJECT;$/m);
    assert.match(conf, /^\$final_banned_destiny = D_DISCARD;$/m);
    assert.match(conf, /^\$final_bad_header_destiny = D_PASS;$/m);
    assert.match(conf, /^\$sa_tag_level_deflt = 1.5;$/m);
    assert.match(conf, /^\$sa_tag2_level_deflt = 6.2;$/m);
    assert.match(conf, /^\$sa_kill_level_deflt = 9;$/m);
    assert.match(conf, /^\$log_level = 3;$/m);
    assert.match(conf, /^\$sa_debug = 1;$/m);
    assert.match(conf, /^\$do_syslog = 0;$/m);
    assert.match(conf, /^\$logfile = '';$/m);
    assert.match(conf, /^@local_domains_maps = \(\['\.example\.com', '\.example\.org'\]\);$/m);
    assert.match(conf, /include_optional_config_files\('\/r\/etc\/amavis\/conf\.d\/60-mta-dkim'/);
    assert.match(conf, /^\$enable_dkim_signing = 1;$/m);
    assert.match(conf, /^\$QUARANTINEDIR = '\/r\/var\/amavis\/quarantine';$/m);
  });

  it('sizes amavis from the CPU count and uses the same number as the transport maxproc and concurrency', () => {
    for (const [cpus, env, want] of [
      [1, {}, 3],
      [2, {}, 5],
      [16, {}, 16],
      [8, { AMAVIS_MAX_SERVERS: '3' }, 3],
    ] as const) {
      const part = render({ MAIL_DOMAIN: 'example.com', ...env }, cpus);
      assert.match(file(part, 'amavisd.conf'), new RegExp(`^\\$max_servers = ${want};$`, 'm'));
      const t = part.master?.find((m) => m.service === 'smtp-amavis');
      assert.match(t?.entry ?? '', new RegExp(`^smtp-amavis unix - - n - ${want} smtp$`, 'm'));
      // The queue manager opens as many connections as there are children from the first message on.
      assert.equal(part.postconf?.['smtp-amavis_initial_destination_concurrency'], String(want));
      assert.equal(part.postconf?.['smtp-amavis_destination_concurrency_limit'], String(want));
    }
  });

  it('wires postfix through amavis and back through an unfiltered reinjection listener', () => {
    const part = filterRenderer({ cpus: 2, ports: { amavis: 20024, reinject: 20025 } })(contextFor({ MAIL_DOMAIN: 'example.com' }));
    assert.equal(part.postconf?.content_filter, 'smtp-amavis:[127.0.0.1]:20024');
    assert.equal(part.postconf?.smtpd_data_restrictions, 'check_sasl_access static:{FILTER smtp-amavis:[127.0.0.1]:10026}');
    const re = part.master?.find((m) => m.service === '127.0.0.1:20025');
    assert.equal(re?.type, 'inet');
    assert.match(re?.entry ?? '', /-o content_filter=$/m);
    assert.match(re?.entry ?? '', /-o receive_override_options=.*no_header_body_checks/);
    assert.match(re?.entry ?? '', /-o smtpd_recipient_restrictions=permit_mynetworks,reject$/m);
    assert.match(file(part, 'amavisd.conf'), /^\$forward_method = 'smtp:\[127\.0\.0\.1\]:20025';$/m);
    const t = part.master?.find((m) => m.service === 'smtp-amavis')?.entry ?? '';
    assert.match(t, /-o smtp_fallback_relay=$/m);
    assert.match(t, /-o smtp_tls_wrappermode=no$/m);
  });

  it('puts amavis before the queue on the public port only when a destiny is D_REJECT, and back after it otherwise', () => {
    const smtp = (env: Record<string, string>) =>
      filterRenderer({ cpus: 2, ports: { amavis: 20024 } })(contextFor({ MAIL_DOMAIN: 'example.com', ...env })).master?.find(
        (m) => m.service === 'smtp' && m.type === 'inet',
      )?.entry;
    assert.equal(smtp({}), 'smtp inet n - n - - smtpd');
    for (const v of ['FINAL_VIRUS_DESTINY', 'FINAL_BANNED_DESTINY', 'FINAL_SPAM_DESTINY', 'FINAL_BAD_HEADER_DESTINY']) {
      const e = smtp({ [v]: 'D_REJECT' }) ?? '';
      assert.match(e, /^smtp inet n - n - - smtpd$/m, v);
      assert.match(e, /-o smtpd_proxy_filter=127\.0\.0\.1:20024$/m, v);
      assert.match(e, /-o smtpd_proxy_options=speed_adjust$/m, v);
      // Scanned before the queue: the after-queue filter must not scan it a second time.
      assert.match(e, /-o content_filter=$/m, v);
    }
  });

  it('keeps the Bayes DB where spamd-learn trains it and points clamd at the amavis socket path', () => {
    const part = render({ MAIL_DOMAIN: 'example.com' });
    assert.match(file(part, 'spamassassin/local.cf'), /^bayes_path \/r\/var\/amavis\/\.spamassassin\/bayes$/m);
    assert.match(file(part, 'clamav/clamd.conf'), /^LocalSocket \/r\/run\/clamav\/clamd\.ctl$/m);
    assert.match(file(part, 'amavisd.conf'), /^\$virus_scanners_failure_is_fatal = 1;$/m);
    assert.match(file(part, 'amavisd.conf'), /\["CONTSCAN \{\}\\n", '\/r\/run\/clamav\/clamd\.ctl'\]/);
  });

  it('takes mynetworks from MYNETWORKS (loopback by default); garbage and open relays never get past the schema', () => {
    assert.match(
      file(render({ MAIL_DOMAIN: 'example.com', MYNETWORKS: '10.0.0.0/8 127.0.0.1/32' }), 'amavisd.conf'),
      /^@mynetworks = \('10\.0\.0\.0\/8', '127\.0\.0\.1\/32'\);$/m,
    );
    assert.match(file(render({ MAIL_DOMAIN: 'example.com' }), 'amavisd.conf'), /^@mynetworks = \('127\.0\.0\.0\/8', '\[::1\]\/128'\);$/m);
    const bad = parseEnv({ MAIL_DOMAIN: 'example.com', MYNETWORKS: "10.0.0.0/8'; system('x')" });
    assert.deepEqual(bad.ok ? [] : bad.errors.map((e) => e.variable), ['MYNETWORKS']);
    const open = parseEnv({ MAIL_DOMAIN: 'example.com', MYNETWORKS: '10.0.0.0/8, 0.0.0.0/0' });
    assert.deepEqual(open.ok ? [] : open.errors.map((e) => e.message), ['"0.0.0.0/0" trusts every IPv4 client (an open relay)']);
  });

  it('rejects invalid destinies and levels: the schema first, the renderer again', () => {
    const r = parseEnv({ MAIL_DOMAIN: 'example.com', FINAL_SPAM_DESTINY: 'D_DROP', SA_KILL_LEVEL_DEFLT: 'high' });
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.variable).sort(), ['FINAL_SPAM_DESTINY', 'SA_KILL_LEVEL_DEFLT']);
    const ctx = withConfig(contextFor({ MAIL_DOMAIN: 'example.com' }), { FINAL_VIRUS_DESTINY: 'D_DROP', SA_TAG2_LEVEL_DEFLT: Number.NaN });
    const part = filterRenderer({ cpus: 2 })(ctx);
    assert.equal(part.files, undefined);
    assert.equal(part.postconf, undefined);
    assert.deepEqual(
      part.errors?.map((e) => e.variable),
      ['FINAL_VIRUS_DESTINY', 'SA_TAG2_LEVEL_DEFLT'],
    );
    assert.match(part.errors?.[0]?.message ?? '', /D_PASS, D_BOUNCE, D_REJECT, D_DISCARD/);
  });

  it('gives amavis a search path, file(1) and the decoders, and the stock banned rules', () => {
    const conf = file(render({ MAIL_DOMAIN: 'example.com' }), 'amavisd.conf');
    assert.match(conf, /^\$ENV\{PATH\} = \$path = '\/usr\/sbin:\/usr\/bin:\/sbin:\/bin';$/m);
    assert.match(conf, /^\$file = 'file';$/m);
    assert.match(conf, /^\$cabextract = 'cabextract';$/m);
    assert.match(conf, /\['rar', \\&Mta::Decoders::bsdtar, 'bsdtar'\]/);
    assert.match(conf, /\['7z', \\&Mta::Decoders::sevenzip, \['7zz', '7z', '7za'\]\]/);
    assert.match(conf, /^\$banned_filename_re = new_RE\($/m);
    assert.match(conf, /^ {2}qr'\^\\\.\(exe-ms\|dll\)\$',$/m);
    assert.match(conf, /^ {2}\[ qr'\^\\\.\(rpm\|cpio\|tar\)\$' => 0 \],$/m);
    assert.match(conf, /^\$undecipherable_subject_tag = '\*\*\*UNCHECKED\*\*\* ';$/m);
    // The operator's hook is loaded after the rules, so it can change them.
    assert.ok(conf.indexOf('$banned_filename_re') < conf.indexOf('include_optional_config_files('));
  });

  it('logs the start-up at level 1 at least (the decoders found), mail at LOG_LEVEL', () => {
    const conf = file(render({ MAIL_DOMAIN: 'example.com' }), 'amavisd.conf');
    assert.match(conf, /^\$log_level = 1;$/m);
    assert.match(conf, /^\$policy_bank\{''\}\{log_level\} = 0;$/m);
    const five = file(render({ MAIL_DOMAIN: 'example.com', LOG_LEVEL: '5' }), 'amavisd.conf');
    assert.match(five, /^\$log_level = 5;$/m);
    assert.match(five, /^\$policy_bank\{''\}\{log_level\} = 5;$/m);
  });

  it('keeps the pid and lock file under run/amavis', () => {
    const part = render({ MAIL_DOMAIN: 'example.com' });
    assert.match(file(part, 'amavisd.conf'), /^\$pid_file = '\/r\/run\/amavis\/amavisd\.pid';$/m);
    assert.match(file(part, 'amavisd.conf'), /^\$lock_file = '\/r\/run\/amavis\/amavisd\.lock';$/m);
    assert.deepEqual(
      part.dirs?.find((d) => d.path === '/r/run/amavis'),
      { path: '/r/run/amavis', mode: 0o750, owner: 'amavis', group: 'amavis' },
    );
  });

  it('gives amavis a fully qualified host name, as postfix does, and says so when HOSTNAME has no domain', () => {
    const host = (env: Record<string, string>) => {
      const part = render(env);
      return { name: /^\$myhostname = '([^']*)';$/m.exec(file(part, 'amavisd.conf'))?.[1], warnings: part.warnings ?? [] };
    };
    assert.deepEqual(host({ MAIL_DOMAIN: 'example.com' }), { name: 'mx.example.com', warnings: [] });
    const bare = host({ HOSTNAME: 'c0ffee12ab34' });
    assert.equal(bare.name, 'c0ffee12ab34.localdomain');
    assert.match(bare.warnings.join('\n'), /HOSTNAME c0ffee12ab34 is not fully qualified: amavis uses c0ffee12ab34\.localdomain/);
    assert.equal(host({ HOSTNAME: 'c0ffee', MAIL_DOMAIN: 'example.com' }).name, 'c0ffee.example.com');
  });

  it('escapes quotes so no value can break out of a Perl string', async () => {
    const { perlStr } = await import('@mta/shared');
    assert.equal(perlStr("a'b\\"), "'a\\'b\\\\'");
  });
});
