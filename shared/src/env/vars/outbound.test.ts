import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue } from '../parse.ts';
import { secretValuesIn } from '../redact.ts';
import { errorsOf, parse } from './parse.test-helper.ts';

test('SMTP_RELAY_SENDER_HOSTAUTH: entries by comma or by line, credentials and TLS level optional', () => {
  const r = parse({
    SMTP_RELAY_SENDER_HOSTAUTH: '@A.example [smtp.a.example]:587 alice:pa:ss, bob@b.example [smtp.b.example]:25 none',
  });
  assert.ok(r.ok);
  assert.deepEqual(r.config.SMTP_RELAY_SENDER_HOSTAUTH, [
    { sender: '@a.example', relayhost: '[smtp.a.example]:587', user: 'alice', password: 'pa:ss', tls: 'encrypt' },
    { sender: 'bob@b.example', relayhost: '[smtp.b.example]:25', tls: 'none' },
  ]);
  // A secret file: one entry a line, so a password may hold a comma; comments are skipped.
  const file = parse({ SMTP_RELAY_SENDER_HOSTAUTH: '# relays\n@a.example [r]:587 u:p,w verify\n@c.example [r2]:587\n' });
  assert.ok(file.ok);
  assert.deepEqual(
    file.config.SMTP_RELAY_SENDER_HOSTAUTH?.map((e) => [e.password, e.tls]),
    [
      ['p,w', 'verify'],
      [undefined, 'may'],
    ],
  );
});

test('SMTP_RELAY_SENDER_HOSTAUTH: bad entries are named by number, never by their credentials', () => {
  const bad = (v: string) => errorsOf({ SMTP_RELAY_SENDER_HOSTAUTH: v }).join('\n');
  assert.match(bad('example.com [r]:587'), /entry 1: "example.com" is not a sender address or @domain/);
  assert.match(bad('@a.example [r]:587 u:p, @b.example not/a/host'), /entry 2: "not\/a\/host" is not "host:port"/);
  assert.match(bad('@a.example [r]:587 nocolon'), /entry 1: credentials must be "user:password"/);
  assert.match(bad('@a.example [r]:587 u:p extra words'), /entry 1: expected "sender host:port/);
  assert.match(bad('@a.example [r]:587, @A.example [s]:587'), /entry 2: "@a.example" is listed twice/);
  assert.match(bad('@a.example [r]:587 may, @b.example [r]:587 encrypt'), /entry 2: \[r\]:587 is given two TLS levels/);
  assert.doesNotMatch(bad('@a.example [r]:587 user:hunter2 extra'), /hunter2/);
});

test('SMTP_RELAY_SENDER_HOSTAUTH is a secret: redacted, each password scrubbed on its own too', () => {
  const raw = '@a.example [r]:587 alice:first-pass\n@b.example [s]:587 bob:second-pass';
  const secrets = secretValuesIn({ SMTP_RELAY_SENDER_HOSTAUTH: raw });
  for (const s of [raw, 'first-pass', 'second-pass', 'alice:first-pass']) assert.ok(secrets.includes(s), s);
});

test('SMTP_TLS_POLICY: destination level [attributes]; bad levels and destinations refused', () => {
  const r = parse({ SMTP_TLS_POLICY: 'partner.example encrypt protocols=>=TLSv1.3, .broken.example may, [mx.c.example]:25 none' });
  assert.ok(r.ok);
  assert.deepEqual(r.config.SMTP_TLS_POLICY, [
    { destination: 'partner.example', level: 'encrypt', attrs: ['protocols=>=TLSv1.3'] },
    { destination: '.broken.example', level: 'may', attrs: [] },
    { destination: '[mx.c.example]:25', level: 'none', attrs: [] },
  ]);
  assert.match(errorsOf({ SMTP_TLS_POLICY: 'a.example maybe' }).join('\n'), /entry 1: "maybe" is not one of none, may/);
  assert.match(errorsOf({ SMTP_TLS_POLICY: 'a/b may' }).join('\n'), /"a\/b" is not a destination/);
  assert.match(errorsOf({ SMTP_TLS_POLICY: 'a.example may junk' }).join('\n'), /"junk" is not name=value/);
});

test('SMTP_DANE: on by default; a dane level without it is a warning, not an error', () => {
  const r = parse({});
  assert.ok(r.ok);
  assert.equal(r.config.SMTP_DANE, true);
  const off = parse({ SMTP_DANE: 'no', SMTP_TLS_SECURITY_LEVEL: 'dane' });
  assert.ok(off.ok);
  assert.match(off.warnings.map(formatIssue).join('\n'), /SMTP_TLS_SECURITY_LEVEL=dane without a validating resolver/);
});
