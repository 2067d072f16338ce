import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '@mta/cli/program';
import { runSeed } from '@mta/seed/run';
import { formatIssue, parseValues, type RawEnv, VARS, type Variant } from '@mta/shared';
import { seedLdapEnv } from '../fixtures/compat/seed-env.ts';
import { memoryLogger, prepareSeedRoot, tempRoot } from '../harness/index.ts';

// `mta config check` and the seed give the same verdict on every environment: both read the rules on the variable
// specs, and nothing else. Each case runs the real seed (render, postfix staging, writes) in a fresh root and the CLI
// with the same variant; the cases cover every rule of every spec, violated and satisfied.

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

let certs = '';
before(async () => {
  const t = await tempRoot('mta-verdict-certs-');
  cleanups.push(t.cleanup);
  certs = t.dir;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=mx.example.com',
    '-days',
    '2',
    '-keyout',
    join(certs, 'rsa.key'),
    '-out',
    join(certs, 'rsa.crt'),
  );
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(certs, 'ec.key'));
  openssl('req', '-x509', '-key', join(certs, 'ec.key'), '-subj', '/CN=mx.example.com', '-days', '2', '-out', join(certs, 'ec.crt'));
});

const { base: LDAP, lookup: LDAP_BOXES, saslOnly: SEED_SASL_CLIENT } = seedLdapEnv('ldap://127.0.0.1:1');
const MYSQL = { MYSQL_HOST: '127.0.0.1:1', MYSQL_DATABASE: 'postfix' };
const MYSQL_BOXES = { ...MYSQL, MYSQL_QUERY_USER: "select recipient from mailboxes where mail='%s' limit 1;" };
const SQL_SASL = { ...MYSQL, MYSQL_QUERY_PASS: "select user, password from users where user='%u'", MYSQL_USER: 'admin' };
const DOVECOT = 'lmtp:unix:private/transport';
// Shapes the fleet variables accept (an NKEY user seed, PEM blocks); the rules only look at which are set.
const NKEY_SEED = `SU${'A'.repeat(56)}`;
const PEM = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----`;

// [name, variant, env]; HOSTNAME mx.example.com unless the case sets one.
const CASES: [string, Variant, RawEnv][] = [
  ['no variables', 'full', {}],
  ['bare host name, no domain', 'mini', { HOSTNAME: 'c0ffee' }],
  ['bare host name, mailboxes', 'mini', { HOSTNAME: 'c0ffee', MAIL_BOXES: 'info@example.com' }],
  ['bare host name, bare alias', 'mini', { HOSTNAME: 'c0ffee', MAIL_ALIASES: 'root:info' }],
  ['bare host name, MAIL_DOMAIN given', 'mini', { HOSTNAME: 'c0ffee', MAIL_DOMAIN: 'example.com', MAIL_BOXES: 'info@example.com' }],
  ['mailbox outside the domains', 'mini', { MAIL_BOXES: 'info@example.com info@other.org' }],
  ['bare host name, LDAP mailboxes', 'base', { HOSTNAME: 'c0ffee', LDAP_QUERY_FILTER_USER: '(mail=%s)' }],
  ['bare host name, MySQL mailboxes', 'base', { HOSTNAME: 'c0ffee', ...MYSQL_BOXES }],
  ['dovecot LMTP in mini', 'mini', { MAIL_BOXES: 'info@example.com', VIRTUAL_TRANSPORT: DOVECOT }],
  ['dovecot LMTP in base', 'base', { MAIL_BOXES: 'info@example.com', VIRTUAL_TRANSPORT: DOVECOT }],
  ['transport without mailboxes', 'mini', { VIRTUAL_TRANSPORT: 'lmtp:app:2003' }],
  ['wrapper mode without encrypt', 'mini', { SMTP_TLS_WRAPPERMODE: 'yes', SMTP_RELAY_HOSTAUTH: '[relay]:465' }],
  [
    'wrapper mode with encrypt',
    'mini',
    { SMTP_TLS_WRAPPERMODE: 'yes', SMTP_TLS_SECURITY_LEVEL: 'encrypt', SMTP_RELAY_HOSTAUTH: '[relay]:465' },
  ],
  ['RSA certificate alone', 'mini', { SMTPD_TLS_CERT_FILE: '/nonexistent/rsa.crt' }],
  ['RSA key alone', 'mini', { SMTPD_TLS_KEY_FILE: '/nonexistent/rsa.key' }],
  ['DSA certificate alone', 'mini', { SMTPD_TLS_DCERT_FILE: '/nonexistent/dsa.crt' }],
  ['DSA key alone', 'mini', { SMTPD_TLS_DKEY_FILE: '/nonexistent/dsa.key' }],
  ['ECDSA certificate alone', 'mini', { SMTPD_TLS_ECCERT_FILE: '/nonexistent/ec.crt' }],
  ['ECDSA key alone', 'mini', { SMTPD_TLS_ECKEY_FILE: '/nonexistent/ec.key' }],
  [
    'RSA and ECDSA pairs',
    'base',
    { SMTPD_TLS_CERT_FILE: '@rsa.crt', SMTPD_TLS_KEY_FILE: '@rsa.key', SMTPD_TLS_ECCERT_FILE: '@ec.crt', SMTPD_TLS_ECKEY_FILE: '@ec.key' },
  ],
  ['LDAP_HOST alone', 'mini', { LDAP_HOST: 'auth' }],
  ['LDAP host and base, no use', 'mini', { ...LDAP }],
  ['LDAP base alone', 'mini', { LDAP_USER_BASE: 'ou=users,dc=example,dc=com' }],
  ['LDAP mailboxes', 'mini', LDAP_BOXES],
  ['LDAP mailbox filter without base', 'mini', { LDAP_HOST: 'auth', LDAP_QUERY_FILTER_USER: '(mail=%s)' }],
  ['LDAP aliases only', 'mini', { ...LDAP, LDAP_QUERY_FILTER_ALIAS: '(mailAlias=%s)' }],
  ['LDAP group without expand', 'mini', { ...LDAP_BOXES, LDAP_QUERY_FILTER_GROUP: '(&(objectclass=posixGroup)(mail=%s))' }],
  ['LDAP expand without group', 'mini', { ...LDAP_BOXES, LDAP_QUERY_FILTER_EXPAND: '(uid=%s)' }],
  ['LDAP group base without group', 'mini', { ...LDAP_BOXES, LDAP_GROUP_BASE: 'ou=groups,dc=example,dc=com' }],
  [
    'LDAP groups',
    'mini',
    {
      ...LDAP_BOXES,
      LDAP_GROUP_BASE: 'ou=groups,dc=example,dc=com',
      LDAP_QUERY_FILTER_GROUP: '(mail=%s)',
      LDAP_QUERY_FILTER_EXPAND: '(uid=%s)',
    },
  ],
  ['LDAP bind DN without password', 'mini', { ...LDAP_BOXES, LDAP_BIND_DN: 'cn=reader,dc=example,dc=com' }],
  ['LDAP bind password alone', 'mini', { LDAP_BIND_PW: 'hunter2-verdict' }],
  ['LDAP bind', 'mini', { ...LDAP_BOXES, LDAP_BIND_DN: 'cn=reader,dc=example,dc=com', LDAP_BIND_PW: 'hunter2-verdict' }],
  ['LDAP result attribute without mailbox filter', 'base', { ...SEED_SASL_CLIENT, LDAP_QUERY_ATTRS_USER: 'mail' }],
  ['LDAP SASL only (seed test 4 client)', 'base', SEED_SASL_CLIENT],
  ['LDAP SASL with nothing to derive the pass filter from', 'base', { ...LDAP, LDAP_QUERY_ATTRS_PASS: 'uid=user' }],
  ['LDAP SASL with the pass filter derived', 'base', { ...LDAP_BOXES, LDAP_QUERY_ATTRS_PASS: 'uid=user' }],
  [
    'LDAP SASL, mailbox filter without (mail=%s)',
    'base',
    { ...LDAP, LDAP_QUERY_FILTER_USER: '(uid=%s)', LDAP_QUERY_ATTRS_PASS: 'uid=user' },
  ],
  ['LDAP pass filter without its attribute', 'base', { ...LDAP_BOXES, LDAP_QUERY_FILTER_PASS: '(uid=%u)' }],
  ['LDAP SASL in mini', 'mini', SEED_SASL_CLIENT],
  ['MySQL host alone', 'mini', { MYSQL_HOST: 'db' }],
  ['MySQL database alone', 'mini', { MYSQL_DATABASE: 'postfix' }],
  ['MySQL mailboxes', 'mini', MYSQL_BOXES],
  ['MySQL mailbox query without database', 'mini', { MYSQL_HOST: 'db', MYSQL_QUERY_USER: 'select 1' }],
  ['MySQL aliases only', 'mini', { ...MYSQL, MYSQL_QUERY_ALIAS: "select target from aliases where alias='%s'" }],
  ['MySQL password without user', 'mini', { ...MYSQL_BOXES, MYSQL_PASSWORD: 'sql-secret-9' }],
  ['MySQL user and password', 'mini', { ...MYSQL_BOXES, MYSQL_USER: 'admin', MYSQL_PASSWORD: 'sql-secret-9' }],
  ['SQL SASL, password with a space', 'base', { ...SQL_SASL, MYSQL_PASSWORD: 'two words' }],
  ['SQL SASL, user with a quote', 'base', { ...SQL_SASL, MYSQL_USER: "o'brien" }],
  ['SQL SASL, database with a space', 'base', { ...SQL_SASL, MYSQL_DATABASE: 'post fix' }],
  ['SQL SASL', 'base', { ...SQL_SASL, MYSQL_PASSWORD: 'sql-secret-9' }],
  ['SQL SASL in mini', 'mini', SQL_SASL],
  ['password file SASL in mini', 'mini', { SMTPD_SASL_CLIENTAUTH: 'app:{plain}secret' }],
  ['password file SASL in base', 'base', { SMTPD_SASL_CLIENTAUTH: 'app:{plain}secret' }],
  ['IMAP SASL in mini', 'mini', { SMTPD_SASL_IMAPHOST: 'app:143' }],
  ['sender patterns for an unknown login', 'base', { SMTPD_SASL_CLIENTAUTH: 'app:{plain}x', SMTPD_SASL_SENDERS: 'other:@example.com' }],
  [
    'sender patterns with the check off',
    'base',
    { SMTPD_SASL_CLIENTAUTH: 'app:{plain}x', SMTPD_SASL_SENDERS: 'app:@example.com', SMTPD_SASL_SENDER_CHECK: 'no' },
  ],
  ['sender patterns', 'base', { SMTPD_SASL_CLIENTAUTH: 'app:{plain}x', SMTPD_SASL_SENDERS: 'app:noreply@example.com,*@news.example.com' }],
  [
    'seed test environment (LOG_LEVEL=6)',
    'full',
    { MYORIGIN: 'example.com', SYSLOG_LEVEL: '7', LOG_LEVEL: '6', SA_DEBUG: '0', SA_TAG_LEVEL_DEFLT: '-99' },
  ],
  [
    'seed test 1 client',
    'mini',
    {
      HOSTNAME: 'test-cli.example.com',
      MAIL_ALIASES: 'root:receiver,receiver@example.com postmaster:receiver',
      RELAYHOST: '[test-srv]',
      MYDESTINATION: '',
    },
  ],
  ['open relay in MYNETWORKS', 'mini', { MYNETWORKS: '172.18.0.0/16 0.0.0.0/0' }],
  ['NATS password without user', 'mini', { NATS_PASSWORD: 'nats-secret-7' }],
  ['NATS user and password', 'mini', { NATS_USER: 'mx1', NATS_PASSWORD: 'nats-secret-7' }],
  ['NATS user and token', 'mini', { NATS_USER: 'mx1', NATS_TOKEN: 'nats-token-7' }],
  ['NATS token and NKEY', 'mini', { NATS_TOKEN: 'nats-token-7', NATS_NKEY: NKEY_SEED }],
  ['NATS NKEY and creds', 'mini', { NATS_NKEY: NKEY_SEED, NATS_CREDS: 'creds-7' }],
  ['NATS client certificate without key', 'mini', { NATS_TLS_CERT: PEM('CERTIFICATE') }],
  ['NATS client key without certificate', 'mini', { NATS_TLS_KEY: PEM('PRIVATE KEY') }],
  ['NATS client certificate and key', 'mini', { NATS_TLS_CERT: PEM('CERTIFICATE'), NATS_TLS_KEY: PEM('PRIVATE KEY') }],
  ['fleet certificates without a signing key', 'base', { ACME_SOURCE: 'fleet' }],
  ['fleet certificates with a signing key', 'base', { ACME_SOURCE: 'fleet', MTA_FLEET_KEY: NKEY_SEED }],
  ['neighbour network in MYNETWORKS', 'full', { MYNETWORKS: '127.0.0.0/8 [::1]/128 172.18.0.0/16', MAIL_BOXES: 'info@example.com' }],
  ['one trusted proxy', 'mini', { TRUSTED_PROXIES: '172.30.0.10' }],
  ['a whole docker network as trusted proxies', 'base', { TRUSTED_PROXIES: '172.16.0.0/12 2001:db8::/48' }],
  ['SRS without a domain', 'mini', { SRS: 'yes' }],
  ['SRS without a mailbox source', 'mini', { SRS: 'yes', MAIL_DOMAIN: 'example.com' }],
  [
    'SRS domain outside MAIL_DOMAIN',
    'mini',
    { SRS: 'yes', MAIL_DOMAIN: 'example.com', MAIL_BOXES: 'info@example.com', SRS_DOMAIN: 'other.test' },
  ],
  ['SRS domain while SRS is off', 'mini', { MAIL_DOMAIN: 'example.com', MAIL_BOXES: 'info@example.com', SRS_DOMAIN: 'example.com' }],
  ['SRS for forwarded mail', 'base', { SRS: 'yes', MAIL_DOMAIN: 'example.com', MAIL_BOXES: 'info@example.com', SRS_DOMAIN: 'example.com' }],
  ['DMARC while amavis runs before the queue', 'full', { FINAL_SPAM_DESTINY: 'D_REJECT' }],
  ['DMARC reports with DMARC off', 'full', { DMARC_POLICY: 'off', DMARC_REPORTS: 'yes', MAIL_DOMAIN: 'example.com' }],
  ['our MTA-STS policy published without a domain', 'mini', { HOSTNAME: 'mx', MTA_STS_PUBLISH: 'testing' }],
  ['DANE level without the validating resolver', 'mini', { SMTP_DANE: 'no', SMTP_TLS_SECURITY_LEVEL: 'dane' }],
  ['TLS reports with outbound MTA-STS off', 'mini', { MAIL_DOMAIN: 'example.com', TLSRPT_REPORTS: 'yes', MTA_STS: 'no' }],
];

// Every rule of every spec, by "NAME#index".
const ALL_RULES = Object.entries(VARS).flatMap(([name, spec]) => (spec.rules ?? []).map((_, i) => `${name}#${i}`));
const fired = new Set<string>();
const held = new Set<string>();

const resolve = (env: RawEnv): Record<string, string> =>
  Object.fromEntries(
    Object.entries({ HOSTNAME: 'mx.example.com', ...env }).map(([k, v]) => [k, v?.startsWith('@') ? join(certs, v.slice(1)) : (v ?? '')]),
  );

async function cliVerdict(env: Record<string, string>, variant: Variant) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['config', 'check', '--variant', variant], { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  const warnings = err.filter((l) => l.startsWith('warning: ')).map((l) => l.slice('warning: '.length));
  const errors = err.filter((l) => !l.startsWith('warning: ') && !/^\d+ configuration errors?$/.test(l));
  return { ok: code === 0, errors, warnings, text: [...out, ...err].join('\n') };
}

async function seedVerdict(env: Record<string, string>, variant: Variant) {
  const { dir, cleanup } = await tempRoot('mta-verdict-');
  try {
    prepareSeedRoot(dir);
    const log: string[] = [];
    const r = await runSeed({ env, root: dir, variant, log: memoryLogger(log) });
    return {
      ok: r.status === 'applied',
      errors: r.errors.map(formatIssue),
      warnings: r.warnings,
      text: JSON.stringify(r) + log.join('\n'),
    };
  } finally {
    await cleanup();
  }
}

for (const [name, variant, raw] of CASES) {
  test(`same verdict from config check and the seed: ${name} (${variant})`, async () => {
    const env = resolve(raw);
    // Which rules this environment violates or satisfies (rules only run once every value parsed).
    const values = parseValues(env, { variant });
    if (!values.errors.length)
      for (const [spec, s] of Object.entries(VARS))
        (s.rules ?? []).forEach((rule, i) => {
          (rule.check(values.config, { variant }) === undefined ? held : fired).add(`${spec}#${i}`);
        });
    const [cli, seed] = [await cliVerdict(env, variant), await seedVerdict(env, variant)];
    assert.equal(
      cli.ok,
      seed.ok,
      `config check ${cli.ok ? 'passes' : 'fails'}, the seed ${seed.ok ? 'applies' : 'refuses'}:\n${cli.text}\n${seed.text}`,
    );
    assert.deepEqual(cli.errors, seed.errors);
    for (const w of cli.warnings) assert.ok(seed.warnings.includes(w), `the seed warns too: ${w}\n${seed.warnings.join('\n')}`);
    for (const secret of ['hunter2-verdict', 'sql-secret-9']) {
      assert.ok(!cli.text.includes(secret), `config check printed a secret:\n${cli.text}`);
      assert.ok(!seed.text.includes(secret), 'the seed printed a secret');
    }
  });
}

test('the cases above cover every cross-variable rule, violated and satisfied, in at least 50 environments', () => {
  assert.ok(CASES.length >= 50, `${CASES.length} cases`);
  assert.deepEqual(
    ALL_RULES.filter((r) => !fired.has(r)),
    [],
    'rules no case violates',
  );
  assert.deepEqual(
    ALL_RULES.filter((r) => !held.has(r)),
    [],
    'rules no case satisfies',
  );
});

test('seed errors never carry a secret given as X__FILE', async () => {
  const { dir, cleanup } = await tempRoot('mta-verdict-file-');
  cleanups.push(cleanup);
  prepareSeedRoot(dir);
  const secretFile = join(dir, 'bind-pw');
  writeFileSync(secretFile, 'file-secret-4711\n');
  const log: string[] = [];
  // postfix quotes a bad value back: here the same string as the secret.
  const env = {
    HOSTNAME: 'mx.example.com',
    ...LDAP_BOXES,
    LDAP_BIND_DN: 'cn=reader,dc=example,dc=com',
    LDAP_BIND_PW__FILE: secretFile,
    INET_INTERFACES: 'file-secret-4711',
  };
  const r = await runSeed({ env, root: dir, variant: 'mini', log: memoryLogger(log), renderers: undefined });
  assert.equal(r.status, 'invalid', JSON.stringify(r.errors));
  // postfix refuses the staged value: the seed's failure (not a variable's error), scrubbed like everything else.
  assert.match(r.failure ?? '', /inet_interfaces/);
  const text = JSON.stringify(r) + log.join('\n');
  assert.ok(!text.includes('file-secret-4711'), text);
  assert.match(text, /\[redacted\]/);
});
