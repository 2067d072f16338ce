import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMasterEntries, disableChroot, hasMasterEntry } from './master-cf.ts';

const base = `# head
smtp      inet  n       -       y       -       -       smtpd
relay     unix  -       -       y       -       -       smtp
        -o syslog_name=postfix/$service_name
#submission inet n       -       y       -       -       smtpd
postlog   unix-dgram n  -       n       -       1       postlogd
`;

test('replaces an entry with its continuation lines, appends new ones, leaves comments', () => {
  const out = applyMasterEntries(base, [
    { service: 'relay', type: 'unix', entry: 'relay     unix  -       -       n       -       -       smtp' },
    { service: 'submission', type: 'inet', entry: 'submission inet n - n - - smtpd\n  -o smtpd_tls_security_level=encrypt' },
  ]);
  assert.doesNotMatch(out, /syslog_name=postfix\/\$service_name/);
  assert.match(out, /^relay {5}unix {2}- {7}- {7}n/m);
  assert.match(out, /#submission inet/);
  assert.match(out, /\nsubmission inet n - n - - smtpd\n {2}-o smtpd_tls_security_level=encrypt\n$/);
});

test('no entries: unchanged; disableChroot sets the chroot column of every service to n', () => {
  assert.equal(applyMasterEntries(base, []), base);
  const out = disableChroot(base);
  for (const l of out.split('\n').filter((x) => /^[^\s#]/.test(x))) assert.equal(l.split(/\s+/)[4], 'n', l);
  assert.match(out, /#submission inet n {7}- {7}y/);
  assert.equal(disableChroot(out), out);
});

test('an empty entry removes the service; setOption replaces or appends one -o', async () => {
  const out = applyMasterEntries(base, [{ service: 'smtp', type: 'inet', entry: '' }]);
  assert.doesNotMatch(out, /^smtp\s+inet/m);
  assert.match(out, /^relay/m);
  const { setOption, optionOf } = await import('./master-cf.ts');
  const e = setOption('submission inet n - n - - smtpd\n  -o a=1', 'a', '2');
  assert.equal(e, 'submission inet n - n - - smtpd\n  -o a=2');
  assert.equal(optionOf(setOption(e, 'b', 'x,y'), 'b'), 'x,y');
});

test('hasMasterEntry finds a service/type as postconf -M does, never a commented one', () => {
  assert.ok(hasMasterEntry(base, 'postlog/unix-dgram'));
  assert.ok(hasMasterEntry(base, 'relay/unix'));
  assert.ok(!hasMasterEntry(base, 'submission/inet'));
  assert.ok(!hasMasterEntry(base, 'postlog/unix'));
});
