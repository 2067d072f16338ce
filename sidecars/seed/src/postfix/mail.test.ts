import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnv } from '@mta/shared';
import { plannedFile, testContext } from '../testing.ts';
import { renderPostfixCore } from './core.ts';
import { completeAddress, renderDomains } from './domains.ts';
import { renderRegexAlias } from './regex-alias.ts';
import { renderSizeLimit } from './size.ts';
import { renderTransport } from './transport.ts';

test('MAIL_DOMAIN: virtual mailbox domains (with a mailbox source), primary first; mail owned by vmail under /var/mail', () => {
  const p = renderDomains(
    testContext({ MAIL_DOMAIN: 'example.com second.org', LDAP_HOST: 'auth', LDAP_USER_BASE: 'dc=x', LDAP_QUERY_FILTER_USER: '(mail=%s)' }),
  );
  assert.equal(p.postconf?.virtual_mailbox_domains, 'example.com second.org');
  assert.equal(p.postconf?.myorigin, undefined, 'myorigin stays the host name, as in the seed');
  assert.equal(p.postconf?.virtual_mailbox_base, '/r/var/mail');
  assert.equal(p.postconf?.virtual_uid_maps, 'static:5000');
  assert.deepEqual(p.dirs, [{ path: '/r/var/mail', mode: 0o750, owner: 'vmail', group: 'vmail' }]);
  assert.equal(p.files?.length, 0);
  // Without MAIL_BOXES/MAIL_ALIASES, tables from an earlier configuration are deleted (LDAP is the source here).
  assert.deepEqual(p.remove, [
    '/r/etc/postfix/virtual_mailbox',
    '/r/etc/postfix/virtual_mailbox.db',
    '/r/etc/postfix/virtual_alias',
    '/r/etc/postfix/virtual_alias.db',
  ]);
});

test('MAIL_DOMAIN defaults to the host name minus its first label', () => {
  const p = renderDomains(testContext({ HOSTNAME: 'mx1.mail.example.net', MAIL_BOXES: 'info@mail.example.net' }));
  assert.equal(p.postconf?.virtual_mailbox_domains, 'mail.example.net');
});

test('without a mailbox source no domain is local: a plain relay whose domain only names the origin', () => {
  const p = renderDomains(testContext({ HOSTNAME: 'test-cli.example.com', RELAYHOST: '[test-srv]', MYDESTINATION: '' }));
  assert.equal(p.postconf?.virtual_mailbox_domains, '');
  assert.equal(p.postconf?.myorigin, '$mydomain');
  assert.equal(renderPostfixCore(testContext({ HOSTNAME: 'test-cli.example.com' })).postconf?.mydomain, 'example.com');
  // Aliases alone are no mailbox source (they rewrite, then the mail relays on).
  assert.equal(
    renderDomains(testContext({ MAIL_DOMAIN: 'example.com', MAIL_ALIASES: 'root:receiver' })).postconf?.virtual_mailbox_domains,
    '',
  );
  // No domain at all (bare start, host name without a dot): postfix keeps its own defaults.
  const bare = renderDomains(testContext({ HOSTNAME: 'a1b2c3' }));
  assert.equal(bare.postconf?.myorigin, undefined);
  assert.equal(renderPostfixCore(testContext({ HOSTNAME: 'a1b2c3' })).postconf?.mydomain, undefined);
});

// The table renderDomains writes for this environment, checked to be hashed and named in its map list.
function hashedTable(env: Record<string, string>, name: 'virtual_mailbox' | 'virtual_alias') {
  const p = renderDomains(testContext(env));
  const f = plannedFile(p, `/r/etc/postfix/${name}`);
  assert.equal(f?.postmap, 'hash');
  assert.deepEqual(p.postconfLists?.[`${name}_maps`], [`hash:/r/etc/postfix/${name}`]);
  return { p, content: f && String(f.content) };
}

test('MAIL_BOXES: hashed table, addr:path for a path (trailing / = maildir), parents of a path made, duplicates warned', () => {
  const { p, content } = hashedTable(
    {
      MAIL_DOMAIN: 'example.com',
      MAIL_BOXES: 'info@example.com box@example.com:b/box/ info@example.com x@other.org r@example.com:my-domain.org/r',
    },
    'virtual_mailbox',
  );
  assert.equal(
    content,
    'info@example.com\tinfo@example.com\nbox@example.com\tb/box/\nx@other.org\tx@other.org\nr@example.com\tmy-domain.org/r\n',
  );
  assert.deepEqual(p.warnings, ['MAIL_BOXES: info@example.com listed twice; the first entry is used']);
  // virtual(8) writes its lock file next to the mailbox: the parent directory must exist and belong to vmail.
  assert.deepEqual(
    p.dirs?.map((d) => [d.path, d.owner, d.mode]),
    [
      ['/r/var/mail', 'vmail', 0o750],
      ['/r/var/mail/b', 'vmail', 0o750],
      ['/r/var/mail/my-domain.org', 'vmail', 0o750],
    ],
  );
});

test('MAIL_ALIASES: bare locals complete to the primary domain, repeated aliases merge, catch-all kept', () => {
  const { content } = hashedTable(
    { MAIL_DOMAIN: 'example.com example.net', MAIL_ALIASES: 'root:info,info@example.com postmaster:root root:abuse @example.net:info' },
    'virtual_alias',
  );
  assert.equal(
    content,
    'root@example.com\tinfo@example.com, abuse@example.com\npostmaster@example.com\troot@example.com\n@example.net\tinfo@example.com\n',
  );
  assert.equal(completeAddress('a@b.c', 'x.y'), 'a@b.c');
});

test('MAIL_ALIASES: an alias listed once keeps each target once, in first-seen order, however written', () => {
  const { content } = hashedTable(
    { MAIL_DOMAIN: 'example.com', MAIL_ALIASES: 'team:a,B@example.com,a@example.com,b,c,A,c@example.net,c one:x,,x' },
    'virtual_alias',
  );
  assert.equal(content, 'team@example.com\ta@example.com, b@example.com, c@example.com, c@example.net\none@example.com\tx@example.com\n');
});

test('MAIL_ALIASES: a long alias list repeated keeps each target once, in first-seen order', () => {
  const targets = Array.from({ length: 40 }, (_, i) => `t${i}`);
  const p = renderDomains(
    testContext({
      MAIL_DOMAIN: 'example.com',
      MAIL_ALIASES: `list:${targets.join(',')} list:t39,T0,extra,t5`,
    }),
  );
  const want = [...targets, 'extra'].map((t) => `${t}@example.com`).join(', ');
  assert.equal(String(plannedFile(p, '/r/etc/postfix/virtual_alias')?.content), `list@example.com\t${want}\n`);
});

test('REGEX_ALIAS: regexp table appended to the alias maps; empty renders nothing', () => {
  const p = renderRegexAlias(testContext({ MAIL_DOMAIN: 'example.com', REGEX_ALIAS: '/([^+]+)[+-].*@(.+)/ $1@$2' }));
  assert.equal(p.files?.[0]?.content, '/([^+]+)[+-].*@(.+)/ $1@$2\n');
  assert.deepEqual(p.postconfLists?.virtual_alias_maps, ['regexp:/r/etc/postfix/regex_alias']);
  assert.deepEqual(renderRegexAlias(testContext({ MAIL_DOMAIN: 'example.com' })), { remove: ['/r/etc/postfix/regex_alias'] });
});

test('VIRTUAL_TRANSPORT: empty = virtual, lmtp passed through, dovecot socket refused on mini', () => {
  assert.equal(renderTransport(testContext({ MAIL_DOMAIN: 'e.com' })).postconf?.virtual_transport, 'virtual');
  assert.equal(
    renderTransport(testContext({ MAIL_DOMAIN: 'e.com', VIRTUAL_TRANSPORT: 'lmtp:app:2003' })).postconf?.virtual_transport,
    'lmtp:app:2003',
  );
  const dovecot = { HOSTNAME: 'mx.e.com', MAIL_BOXES: 'a@e.com', VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport' };
  assert.equal(renderTransport(testContext(dovecot)).postconf?.virtual_transport, 'lmtp:unix:private/transport');
  const mini = parseEnv(dovecot, { variant: 'mini' });
  assert.deepEqual(mini.ok ? [] : mini.errors.map((e) => e.variable), ['VIRTUAL_TRANSPORT']);
  assert.ok(parseEnv(dovecot, { variant: 'base' }).ok);
});

test('MESSAGE_SIZE_LIMIT: default 10240000; mailbox limits never below it', () => {
  assert.deepEqual(renderSizeLimit(testContext({ MAIL_DOMAIN: 'e.com' })).postconf, {
    message_size_limit: '10240000',
    virtual_mailbox_limit: '51200000',
    mailbox_size_limit: '51200000',
  });
  assert.equal(
    renderSizeLimit(testContext({ MAIL_DOMAIN: 'e.com', MESSAGE_SIZE_LIMIT: '90000000' })).postconf?.virtual_mailbox_limit,
    '90000000',
  );
  assert.equal(renderSizeLimit(testContext({ MAIL_DOMAIN: 'e.com', MESSAGE_SIZE_LIMIT: '0' })).postconf?.mailbox_size_limit, '0');
});

test('core: paths under root, HOSTNAME as myhostname, no open relay, routing table', () => {
  const p = renderPostfixCore(testContext({ MAIL_DOMAIN: 'example.com' }));
  assert.equal(p.postconf?.queue_directory, '/r/var/spool/postfix');
  assert.equal(p.postconf?.myhostname, 'mx.example.com');
  assert.equal(p.postconf?.mydomain, 'example.com');
  assert.equal(p.postconf?.mydestination, 'localhost');
  assert.match(
    p.postconf?.smtpd_relay_restrictions ?? '',
    /^check_recipient_access regexp:\/r\/etc\/postfix\/recipient_routing, .*reject_unauth_destination$/,
  );
  assert.match(String(p.files?.[0]?.content), /\[%!\]/);
});
