import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { plannedFile, testContext } from '../testing.ts';
import { renderSenderLogins } from './sender-logins.ts';
import { renderTlsInbound } from './tls-inbound.ts';

const file = (p: ReturnType<typeof renderSenderLogins>, name: string) => String(plannedFile(p, `/r/etc/postfix/${name}`)?.content);

test('sender ownership: mailboxes and aliases own their addresses, LDAP entries theirs, other addresses the same-named login', () => {
  const ldap = { LDAP_HOST: 'auth', LDAP_USER_BASE: 'ou=people,dc=a,dc=test', LDAP_QUERY_ATTRS_PASS: 'uid=user' };
  const lookups = { LDAP_QUERY_FILTER_USER: '(mail=%s)', LDAP_QUERY_FILTER_ALIAS: '(mailLocalAddress=%s)' };
  const boxes = { MAIL_DOMAIN: 'a.test b.test', MAIL_BOXES: 'info@a.test info@b.test', MAIL_ALIASES: 'postmaster:info' };
  const p = renderSenderLogins(testContext({ ...boxes, ...ldap, ...lookups }));
  // The local part owns an address only at the primary domain: info@b.test is not "info"'s.
  assert.equal(
    file(p, 'sender_logins'),
    'info@a.test\tinfo@a.test, info\ninfo@b.test\tinfo@b.test\npostmaster@a.test\tinfo@a.test, info\n',
  );
  assert.match(file(p, 'ldap-sender-logins.cf'), /^result_attribute = uid, mail$/m);
  assert.match(file(p, 'ldap-sender-aliases.cf'), /^query_filter = \(mailLocalAddress=%s\)$/m);
  assert.equal(
    file(p, 'sender_logins_self.pcre').split('\n').slice(1).join('\n'),
    '/^([^\\s,"\\\\@]+)@a\\.test$/i\t$1@a.test, $1\n/^([^\\s,"\\\\@]+@[^\\s,"\\\\@]+)$/\t$1\n',
  );
  assert.deepEqual(p.postconf, {
    smtpd_restriction_classes: '',
    smtpd_sender_login_maps:
      'hash:/r/etc/postfix/sender_logins, ldap:/r/etc/postfix/ldap-sender-logins.cf, ldap:/r/etc/postfix/ldap-sender-aliases.cf, pcre:/r/etc/postfix/sender_logins_self.pcre',
    smtpd_sender_restrictions: 'reject_authenticated_sender_login_mismatch',
  });
});

test('SQL logins: a MYSQL_QUERY_ALIAS alias belongs to its targets, before the same-named-login rule', () => {
  const sql = { MYSQL_HOST: 'db', MYSQL_DATABASE: 'postfix', MYSQL_USER: 'u', MYSQL_PASSWORD: 'pw' };
  const queries = {
    MYSQL_QUERY_ALIAS: "select target from aliases where alias='%s'",
    MYSQL_QUERY_PASS: "select user, password from users where user='%u'",
  };
  const p = renderSenderLogins(testContext({ MAIL_DOMAIN: 'a.test', ...sql, ...queries }));
  assert.match(file(p, 'mysql-sender-aliases.cf'), /^query = select target from aliases where alias='%s'$/m);
  assert.equal(p.files?.find((x) => x.path.endsWith('mysql-sender-aliases.cf'))?.mode, 0o640);
  const maps = String(p.postconf?.smtpd_sender_login_maps).split(', ');
  assert.deepEqual(maps, ['mysql:/r/etc/postfix/mysql-sender-aliases.cf', 'pcre:/r/etc/postfix/sender_logins_self.pcre']);
});

test('password-file logins are free unless SMTPD_SASL_SENDERS lists their senders; the check can be switched off', () => {
  const env = {
    MAIL_DOMAIN: 'a.test',
    SMTPD_SASL_CLIENTAUTH: 'app1:{plain}x app2:{plain}y',
    SMTPD_SASL_SENDERS: 'app2:noreply@a.test,*@news.a.test',
  };
  const p = renderSenderLogins(testContext(env));
  assert.equal(file(p, 'sender_login_classes'), 'app1\tOK\napp2\tmta_senders_1\n');
  assert.equal(
    file(p, 'sender_patterns_1.pcre'),
    '/^noreply@a\\.test$/i\tOK\n/@news\\.a\\.test$/i\tOK\n/^/\tREJECT 5.7.1 sender address not allowed for this login (SMTPD_SASL_SENDERS)\n',
  );
  assert.equal(p.postconf?.mta_senders_1, 'check_sender_access pcre:/r/etc/postfix/sender_patterns_1.pcre');
  assert.equal(
    p.postconf?.smtpd_sender_restrictions,
    'check_sasl_access hash:/r/etc/postfix/sender_login_classes, reject_authenticated_sender_login_mismatch',
  );
  const off = renderSenderLogins(testContext({ ...env, SMTPD_SASL_SENDER_CHECK: 'no' }));
  assert.deepEqual(off.postconf, { smtpd_sender_login_maps: '', smtpd_sender_restrictions: '', smtpd_restriction_classes: '' });
  assert.ok(off.remove?.includes('/r/etc/postfix/sender_login_classes.db'));
  // mini has no SASL at all.
  assert.equal(renderSenderLogins(testContext(env, { variant: 'mini' })).postconf?.smtpd_sender_restrictions, '');
});

test('TLS: base/full with SASL get the self-signed certificate for 465/587 without STARTTLS on 25; SMTPD_USE_TLS adds 25', () => {
  const sasl = renderTlsInbound(testContext({ MAIL_DOMAIN: 'a.test', SMTPD_SASL_CLIENTAUTH: 'app1:{plain}x' }));
  assert.equal(sasl.postconf?.smtpd_tls_chain_files, '/r/srv/etc/ssl/self/chain.pem');
  assert.equal(sasl.postconf?.smtpd_tls_security_level, undefined);
  assert.equal(sasl.postconf?.smtpd_tls_auth_only, 'yes');
  const use = renderTlsInbound(testContext({ MAIL_DOMAIN: 'a.test', SMTPD_USE_TLS: 'yes' }));
  assert.equal(use.postconf?.smtpd_tls_security_level, 'may');
  assert.deepEqual(renderTlsInbound(testContext({ MAIL_DOMAIN: 'a.test', SMTPD_SASL_CLIENTAUTH: 'app1:{plain}x' }, { variant: 'mini' })), {
    errors: [],
  });
});

// postmap -q looks a key up the way smtpd does for smtpd_sender_login_maps (case folded, first match); postfix then
// splits the result on commas and whitespace. smtpd tries the quoted (external) form first, then the unquoted one.
function ownersByPostmap(pcre: string, keys: string[]): Record<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mta-self-pcre-'));
  try {
    writeFileSync(join(dir, 'self.pcre'), pcre);
    writeFileSync(join(dir, 'main.cf'), '');
    const out: Record<string, string[]> = {};
    for (const k of keys) {
      let r = '';
      try {
        r = execFileSync('postmap', ['-c', dir, '-q', k, `pcre:${join(dir, 'self.pcre')}`], { encoding: 'utf8', stdio: 'pipe' }).trim();
      } catch {}
      out[k] = r.split(/[\s,]+/).filter(Boolean);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the same-named-login rule: commas, whitespace, quotes, backslashes and "@" in the address add no owner', () => {
  const p = renderSenderLogins(
    testContext({ MAIL_DOMAIN: 'a.test b.test', MAIL_BOXES: 'info@a.test', SMTPD_SASL_CLIENTAUTH: 'app:{plain}x' }),
  );
  const owners = ownersByPostmap(file(p, 'sender_logins_self.pcre'), [
    'mallory@a.test',
    'mallory@b.test',
    // Quoted (external) and unquoted (internal) forms of the attacks, at the primary and at another domain.
    '"x,mallory,y"@a.test',
    'x,mallory,y@a.test',
    '"x,mallory,y"@b.test',
    'x,mallory,y@b.test',
    '"x mallory"@a.test',
    'x mallory@b.test',
    'x\tmallory@b.test',
    '"x\\"mallory"@b.test',
    '"mallory@b.test"@a.test',
    'mallory@b.test@a.test',
    'alice@b.test,mallory',
    'alice@b.test mallory',
  ]);
  assert.deepEqual(owners['mallory@a.test'], ['mallory@a.test', 'mallory']);
  assert.deepEqual(owners['mallory@b.test'], ['mallory@b.test']);
  for (const [k, v] of Object.entries(owners).slice(2)) assert.deepEqual(v, [], `${k} has owners ${v.join(' ')}`);
});

test('SMTPD_SASL_SENDERS binds any login (LDAP, SQL, IMAP), not only password-file ones', () => {
  const p = renderSenderLogins(
    testContext({
      MAIL_DOMAIN: 'a.test',
      LDAP_HOST: 'auth',
      LDAP_USER_BASE: 'ou=people,dc=a,dc=test',
      LDAP_QUERY_ATTRS_PASS: 'uid=user',
      LDAP_QUERY_FILTER_USER: '(mail=%s)',
      SMTPD_SASL_CLIENTAUTH: 'app:{plain}x',
      SMTPD_SASL_SENDERS: 'satellite:@a.test,@b.test',
    }),
  );
  assert.equal(file(p, 'sender_login_classes'), 'app\tOK\nsatellite\tmta_senders_1\n');
  assert.equal(
    file(p, 'sender_patterns_1.pcre'),
    '/@a\\.test$/i\tOK\n/@b\\.test$/i\tOK\n/^/\tREJECT 5.7.1 sender address not allowed for this login (SMTPD_SASL_SENDERS)\n',
  );
  assert.match(
    String(p.postconf?.smtpd_sender_restrictions),
    /^check_sasl_access hash:\S+sender_login_classes, reject_authenticated_sender_login_mismatch$/,
  );
});
