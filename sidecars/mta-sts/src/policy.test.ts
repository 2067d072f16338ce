import assert from 'node:assert/strict';
import { test } from 'node:test';
import { socketmapReply } from './answer.ts';
import { formatPolicy, mxMatches, parsePolicy } from './policy.ts';
import { parseStsRecords } from './record.ts';
import { dnsSupportLevel } from './settings.ts';

const GOOD = 'version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n';

test('a policy parses strictly: version first-class, known modes, digits-only max_age capped at a year, host-name patterns', () => {
  assert.deepEqual(parsePolicy(GOOD), { ok: true, policy: { mode: 'enforce', maxAge: 86400, mx: ['mx1.example.com', '*.example.net'] } });
  assert.deepEqual(parsePolicy(GOOD.replace(/\r\n/g, '\n') + 'future: field\n'), parsePolicy(GOOD));
  assert.equal((parsePolicy(GOOD.replace('86400', '99999999999'.slice(0, 10))) as { policy: { maxAge: number } }).policy.maxAge, 31557600);
  const bad: [string, string][] = [
    [GOOD.replace('STSv1', 'STSv2'), 'version'],
    [GOOD.replace('enforce', 'strict'), 'mode'],
    [GOOD.replace('86400', '-1'), 'max_age'],
    [GOOD.replace('86400', '1e5'), 'max_age'],
    [GOOD.replace('mx1.example.com', 'mx1.example.com:25'), 'mx'],
    [GOOD.replace('*.example.net', 'a.*.example.net'), 'mx'],
    [GOOD.replace(/mx: .*\r\n/g, ''), 'mx'],
    ['<html>not a policy</html>', 'key'],
  ];
  for (const [text, why] of bad) {
    const r = parsePolicy(text);
    assert.equal(r.ok, false, why);
    assert.match((r as { reason: string }).reason, new RegExp(why));
  }
  // mode none needs no mx.
  assert.equal(parsePolicy('version: STSv1\nmode: none\nmax_age: 0\n').ok, true);
  // Our own formatting parses back to the same policy.
  const p = { mode: 'testing' as const, maxAge: 600, mx: ['mx.example.org'] };
  assert.deepEqual(parsePolicy(formatPolicy(p)), { ok: true, policy: p });
});

test('MX patterns: exact names, and a wildcard covers exactly one more label', () => {
  assert.ok(mxMatches('MX1.example.com.', 'mx1.example.com'));
  assert.ok(mxMatches('a.example.net', '*.example.net'));
  assert.ok(!mxMatches('example.net', '*.example.net'));
  assert.ok(!mxMatches('a.b.example.net', '*.example.net'));
  assert.ok(!mxMatches('evilexample.net', '*.example.net'));
});

test('the _mta-sts TXT record: one STSv1 record with a 1-32 character id, else no policy', () => {
  assert.deepEqual(parseStsRecords(['v=spf1 -all', 'v=STSv1; id=20240101T0000;']), { kind: 'record', id: '20240101T0000' });
  assert.deepEqual(parseStsRecords(['v=STSv1;id=abc; ext=1']), { kind: 'record', id: 'abc' });
  assert.deepEqual(parseStsRecords(['v=spf1 -all']), { kind: 'none' });
  assert.equal(parseStsRecords(['v=STSv1; id=a', 'v=STSv1; id=b']).kind, 'invalid');
  assert.equal(parseStsRecords(['v=STSv1; id=' + 'a'.repeat(33)]).kind, 'invalid');
  assert.equal(parseStsRecords(['v=STSv1; id=a-b']).kind, 'invalid');
  assert.equal(parseStsRecords(['v=STSv1']).kind, 'invalid');
});

test('socketmap replies: secure with the match list and SNI; the MTA-STS attributes only for postfix that takes them', () => {
  const policy = { mode: 'enforce' as const, maxAge: 86400, mx: ['mx1.example.com', '*.example.net'] };
  const d = { kind: 'enforce' as const, domain: 'example.com', policy, ttl: 3600.7 };
  assert.equal(socketmapReply(d, false), 'OK secure match=mx1.example.com:.example.net servername=hostname');
  assert.equal(
    socketmapReply(d, true),
    'OK secure match=mx1.example.com:.example.net servername=hostname policy_type=sts policy_domain=example.com mx_host_pattern=mx1.example.com mx_host_pattern=*.example.net policy_ttl=3600',
  );
  // TLS reports: the policy text, one { policy_string = line } each.
  assert.match(
    socketmapReply(d, true, true),
    / policy_ttl=3600 \{ policy_string = version: STSv1 \} \{ policy_string = mode: enforce \} \{ policy_string = mx: mx1\.example\.com \} \{ policy_string = mx: \*\.example\.net \} \{ policy_string = max_age: 86400 \}$/,
  );
  assert.equal(socketmapReply({ kind: 'dane', domain: 'example.com' }, true), 'OK dane-only');
  assert.equal(socketmapReply({ kind: 'none' }, true), 'NOTFOUND ');
});

test("smtp_dns_support_level from main.cf: the last setting wins, none is ''", () => {
  assert.equal(dnsSupportLevel('a = b\nsmtp_dns_support_level = enabled\nsmtp_dns_support_level = dnssec\n'), 'dnssec');
  assert.equal(dnsSupportLevel('# smtp_dns_support_level = dnssec\n'), '');
});
