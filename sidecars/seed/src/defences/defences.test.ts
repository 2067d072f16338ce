import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue, parseEnv } from '@mta/shared';
import { renderFilter } from '../amavis/index.ts';
import { renderDovecot } from '../dovecot/render.ts';
import { mergeParts } from '../merge.ts';
import type { PlanPart } from '../plan.ts';
import { testContext } from '../testing.ts';
import { renderDefences } from './index.ts';

const SASL = { SMTPD_SASL_CLIENTAUTH: 'u@example.com:{plain}pw', SMTPD_USE_TLS: 'yes' };
const plan = (env: Record<string, string>, variant: 'mini' | 'base' | 'full' = 'base') => {
  const ctx = testContext({ MAIL_DOMAIN: 'example.com', ...env }, { variant });
  const parts: PlanPart[] = [renderDefences(ctx), renderDovecot(ctx), renderFilter(ctx)];
  return mergeParts(parts);
};
const entry = (p: ReturnType<typeof plan>, key: string) => p.master.find((m) => `${m.service}/${m.type}` === key)?.entry;
const file = (p: ReturnType<typeof plan>, path: string) => p.files.find((f) => f.path === path);

test("defaults: smtpd on 25 (the seed's behaviour) with the ban map; anvil limits", () => {
  assert.equal(entry(plan({}), 'smtp/inet'), 'smtp inet n - n - - smtpd');
  assert.equal(plan({}).postconf.postscreen_access_list, undefined);
});

test('POSTSCREEN=yes: postscreen on 25 with pregreet drop, smtpd behind it answers bans (temporarily)', () => {
  const p = plan({ POSTSCREEN: 'yes' });
  assert.equal(entry(p, 'smtp/inet'), 'smtp inet n - n - 1 postscreen');
  assert.equal(entry(p, 'smtpd/pass'), 'smtpd pass - - n - - smtpd');
  assert.ok(entry(p, 'dnsblog/unix') && entry(p, 'tlsproxy/unix'));
  assert.equal(p.postconf.postscreen_greet_action, 'drop');
  assert.equal(p.postconf.postscreen_dnsbl_action, 'enforce');
  // postscreen can only refuse for good: the bans are smtpd's, whose table answers 421
  assert.equal(p.postconf.postscreen_access_list, 'permit_mynetworks');
  assert.equal(p.postconf.postscreen_denylist_action, 'drop');
  assert.equal(p.postconf.postscreen_cache_map, 'btree:$data_directory/postscreen_cache');
  assert.equal(p.postconf.smtpd_client_restrictions, 'check_client_access lmdb:/r/etc/postfix/mta-guard');
  assert.equal(p.postconf.smtpd_client_connection_rate_limit, '60');
  assert.equal(p.postconf.smtpd_client_auth_rate_limit, '20');
  assert.deepEqual(
    [file(p, '/r/etc/postfix/mta-guard')?.ifMissing, file(p, '/r/etc/postfix/mta-guard')?.postmap],
    [true, 'lmdb'],
    'an empty table the guard then keeps',
  );
  assert.deepEqual(
    p.dirs.find((d) => d.path === '/r/etc/dovecot/mta-guard'),
    { path: '/r/etc/dovecot/mta-guard', mode: 0o755 },
  );
  assert.match(String(file(p, '/r/etc/dovecot/conf.d/50-mta-defences.conf')?.content), /^auth_failure_delay = 2 secs$/m);
  assert.ok(p.remove.includes('/r/etc/haproxy/mta.cfg'));
});

test('DNSBL lists and thresholds reach postscreen', () => {
  const p = plan({
    POSTSCREEN: 'yes',
    POSTSCREEN_DNSBL_SITES: 'bl.test*3, wl.test=127.0.[0..255].[1..3]*-5',
    POSTSCREEN_DNSBL_THRESHOLD: '3',
    POSTSCREEN_DNSBL_ALLOWLIST_THRESHOLD: '-1',
  });
  assert.equal(p.postconf.postscreen_dnsbl_sites, 'bl.test*3 wl.test=127.0.[0..255].[1..3]*-5');
  assert.equal(p.postconf.postscreen_dnsbl_threshold, '3');
  assert.equal(p.postconf.postscreen_dnsbl_allowlist_threshold, '-1');
});

test("the filter's before-queue smtpd options move behind postscreen", () => {
  const p = plan({ FINAL_VIRUS_DESTINY: 'D_REJECT', POSTSCREEN: 'yes' }, 'full');
  assert.equal(entry(p, 'smtp/inet'), 'smtp inet n - n - 1 postscreen');
  assert.match(entry(p, 'smtpd/pass') ?? '', /^smtpd pass - - n - - smtpd\n {2}-o smtpd_proxy_filter=127\.0\.0\.1:10024/);
});

test('SASL services: per-session failure limit and the ban check before the SASL restrictions', () => {
  const p = plan({ ...SASL, SMTPD_AUTH_FAILURE_LIMIT: '4' });
  for (const k of ['submission/inet', 'smtps/inet']) {
    const e = entry(p, k) ?? '';
    assert.match(e, /-o smtpd_hard_error_limit=4$/m);
    assert.match(
      e,
      /-o smtpd_client_restrictions=check_client_access,lmdb:\/r\/etc\/postfix\/mta-guard,permit_sasl_authenticated,reject$/m,
    );
  }
});

test('TRUSTED_PROXIES: haproxy takes the public ports, postfix and dovecot move to loopback with the PROXY protocol', () => {
  const p = plan({
    ...SASL,
    POSTSCREEN: 'yes',
    TRUSTED_PROXIES: '172.30.0.10, 10.1.0.0/24',
    MYNETWORKS: '127.0.0.0/8 [::1]/128 10.9.0.0/16',
    VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
  });
  assert.equal(entry(p, 'smtp/inet'), '');
  assert.equal(entry(p, 'submission/inet'), '');
  // Second line of defence: behind the gate loopback is the gate itself, never relay-trusted.
  const gatedNetworks = '!127.0.0.0/8,![::1],![::ffff:127.0.0.0]/104,!0.0.0.0/8,![::],127.0.0.0/8,[::1]/128,10.9.0.0/16';
  assert.equal(
    entry(p, '127.0.0.1:10125/inet'),
    '127.0.0.1:10125 inet n - n - 1 postscreen\n  -o postscreen_upstream_proxy_protocol=haproxy',
  );
  assert.equal(entry(p, 'smtpd/pass'), `smtpd pass - - n - - smtpd\n  -o mynetworks=${gatedNetworks}`);
  for (const [svc, port] of [
    ['submission', 10587],
    ['smtps', 10465],
  ] as const) {
    const e = entry(p, `127.0.0.1:${port}/inet`) ?? '';
    assert.match(e, new RegExp(`^127\\.0\\.0\\.1:${port} inet n - n - - smtpd\\n`), svc);
    assert.match(e, /^ {2}-o smtpd_upstream_proxy_protocol=haproxy$/m, svc);
    assert.ok(e.includes(`  -o mynetworks=${gatedNetworks}`), svc);
  }
  assert.match(entry(p, '127.0.0.1:10465/inet') ?? '', /-o smtpd_tls_wrappermode=yes/);
  assert.equal(file(p, '/r/etc/haproxy/mta-trusted-proxies.lst')?.content, '172.30.0.10\n10.1.0.0/24\n');
  const cfg = String(file(p, '/r/etc/haproxy/mta.cfg')?.content);
  for (const [name, bind, to, server] of [
    ['smtp', ':25', '127.0.0.1:10125', 'postfix'],
    ['submission', ':587', '127.0.0.1:10587', 'postfix'],
    ['smtps', ':465', '127.0.0.1:10465', 'postfix'],
    ['imap', ':143', '127.0.0.1:10143', 'dovecot'],
    ['imaps', ':993', '127.0.0.1:10993', 'dovecot'],
    ['pop3', ':110', '127.0.0.1:10110', 'dovecot'],
    ['pop3s', ':995', '127.0.0.1:10995', 'dovecot'],
  ])
    assert.match(
      cfg,
      new RegExp(`frontend ${name}\\n {2}bind ${bind}\\n[\\s\\S]*?backend ${name}\\n[\\s\\S]*? {2}server ${server} ${to} send-proxy-v2`),
    );
  assert.match(cfg, /expect-proxy layer4 if trusted !local/);
  assert.match(
    cfg,
    /tcp-request session set-var\(sess\.refused\) str\(refused:proxy-header-names-loopback\) if \{ var\(sess\.peer\) -m found \} \{ src 127\.0\.0\.0\/8 ::1 ::ffff:127\.0\.0\.0\/104 0\.0\.0\.0\/8 :: \}/,
  );
  assert.match(
    cfg,
    /refused:proxy-header-without-client-address\) if \{ var\(sess\.peer\) -m found \} \{ var\(sess\.named\),strcmp\(sess\.peer\) eq 0 \}/,
  );
  assert.match(cfg, /set-log-level silent if \{ var\(sess\.refused\) -m str refused:proxy-header-without-client-address \}/);
  assert.match(cfg, /reject if \{ var\(sess\.refused\) -m found \}/);
  const dove = String(file(p, '/r/etc/dovecot/conf.d/50-mta-defences.conf')?.content);
  assert.match(dove, /^listen = 127\.0\.0\.1$/m);
  assert.match(dove, /^haproxy_trusted_networks = 127\.0\.0\.1$/m);
  assert.doesNotMatch(dove, /172\.30\.0\.10/, 'dovecot trusts only the gate');
  assert.match(dove, /inet_listener imaps \{\n {4}port = 10993\n {4}haproxy = yes\n {2}\}/);
  assert.equal([...dove.matchAll(/haproxy = yes/g)].length, 4);
});

test('without mailboxes in dovecot, IMAP and POP3 stay off the gate', () => {
  const p = plan({ ...SASL, TRUSTED_PROXIES: '172.30.0.10' });
  assert.doesNotMatch(String(file(p, '/r/etc/haproxy/mta.cfg')?.content), /frontend (imap|pop3)/);
  assert.doesNotMatch(String(file(p, '/r/etc/dovecot/conf.d/50-mta-defences.conf')?.content), /haproxy|listen/);
});

test('mini: no dovecot files, only port 25 behind the gate', () => {
  const p = plan({ TRUSTED_PROXIES: '172.30.0.10', POSTSCREEN: 'no' }, 'mini');
  assert.equal(
    p.dirs.find((d) => d.path === '/r/etc/dovecot/mta-guard'),
    undefined,
  );
  assert.equal(
    entry(p, '127.0.0.1:10125/inet'),
    '127.0.0.1:10125 inet n - n - - smtpd\n  -o smtpd_upstream_proxy_protocol=haproxy\n  -o mynetworks=!127.0.0.0/8,![::1],![::ffff:127.0.0.0]/104,!0.0.0.0/8,![::],127.0.0.0/8,[::1]/128',
  );
  assert.doesNotMatch(String(file(p, '/r/etc/haproxy/mta.cfg')?.content), /frontend submission/);
});

test('TRUSTED_PROXIES wider than /24 (IPv4) or /64 (IPv6) warns, naming the networks', () => {
  const warned = (v: string) => parseEnv({ HOSTNAME: 'mx.example.com', TRUSTED_PROXIES: v }).warnings.map(formatIssue);
  assert.deepEqual(warned('172.30.0.10 172.30.1.0/24 2001:db8::/64 ::ffff:172.30.2.0/120'), []);
  const [w, ...rest] = warned('172.30.0.10, 172.16.0.0/12, 2001:db8::/48, ::ffff:10.0.0.0/104');
  assert.equal(rest.length, 0);
  assert.match(
    w ?? '',
    /^TRUSTED_PROXIES: 172\.16\.0\.0\/12, 2001:db8::\/48, ::ffff:10\.0\.0\.0\/104 wider than \/24 \(IPv4\) or \/64 \(IPv6\): .*list the proxies themselves$/,
  );
});

test('bad values are named', () => {
  assert.throws(() => plan({ TRUSTED_PROXIES: 'traefik' }), /TRUSTED_PROXIES: "traefik": expected IP addresses/);
  assert.throws(() => plan({ TRUSTED_PROXIES: '0.0.0.0/0' }), /TRUSTED_PROXIES: "0\.0\.0\.0\/0" would trust every address/);
  assert.throws(() => plan({ POSTSCREEN_DNSBL_SITES: 'not a list!' }), /POSTSCREEN_DNSBL_SITES/);
  assert.throws(() => plan({ GUARD_BAN_TIME: '5x' }), /GUARD_BAN_TIME: "5x" is not a duration/);
});
