import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plannedFile, testContext } from '../testing.ts';
import { postsrsdArgs, renderSrs, srsRenderer, srsTransportTable } from './srs.ts';

const ON = { MAIL_DOMAIN: 'a.test b.test', MAIL_BOXES: 'info@a.test', SRS: 'yes' };

test('SRS=yes: the sender-dependent transport, the reverse table, the pass in master.cf, postsrsd args and a secret', () => {
  const p = renderSrs(testContext(ON));
  assert.deepEqual(p.postconf, {
    sender_dependent_default_transport_maps: 'pcre:/r/etc/postfix/mta-srs-transport.pcre',
    recipient_canonical_classes: 'envelope_recipient,header_recipient',
  });
  assert.deepEqual(p.postconfLists, { recipient_canonical_maps: ['tcp:127.0.0.1:10002'] });
  const entries = Object.fromEntries((p.master ?? []).map((e) => [e.service, e.entry]));
  assert.match(entries['mta-srs'] ?? '', /^mta-srs unix - - n - - smtp$/m);
  // Every option listed is among the -o options of the service's master.cf entry.
  const hasOptions = (service: string, expected: string[]) => {
    const options = new Set(
      (entries[service] ?? '')
        .split('\n')
        .slice(1)
        .map((l) => l.replace(/^ {2}-o /, '')),
    );
    for (const o of expected) assert.ok(options.has(o), o);
  };
  // The second pass: its own cleanup, no filter, no milters, loopback clients only.
  hasOptions('127.0.0.1:10027', [
    'cleanup_service_name=mta-srs-cleanup',
    'content_filter=',
    'smtpd_milters=',
    'smtpd_client_restrictions=permit_mynetworks,reject',
  ]);
  // Only the envelope sender is rewritten there; aliases were expanded in the first pass and are not again.
  hasOptions('mta-srs-cleanup', [
    'sender_canonical_maps=tcp:127.0.0.1:10001',
    'sender_canonical_classes=envelope_sender',
    'virtual_alias_maps=',
    'recipient_canonical_maps=',
  ]);
  assert.equal(
    plannedFile(p, '/r/etc/postfix/mta-postsrsd.args')?.content,
    '-s/r/srv/var/srs/secret\n-da.test\n-Xb.test\n-l127.0.0.1\n-f10001\n-r10002\n-upostsrsd\n-c/var/lib/postsrsd\n',
  );
  const secret = plannedFile(p, '/r/srv/var/srs/secret');
  assert.equal(secret?.mode, 0o600);
  assert.equal(secret?.owner, 'root');
  assert.equal(secret?.ifMissing, true, 'generated once, never replaced by a later seeding');
  assert.match(String(secret?.content), /^[A-Za-z0-9+/]{43}=\n$/);
  assert.notEqual(String(secret?.content), String(plannedFile(renderSrs(testContext(ON)), '/r/srv/var/srs/secret')?.content));
  assert.deepEqual(p.dirs, [{ path: '/r/srv/var/srs', mode: 0o700, owner: 'root', group: 'root' }]);
});

test('SRS_DOMAIN picks the rewrite domain; the others are excluded; ports are the renderer options', () => {
  const p = srsRenderer({ forward: 1, reverse: 2, reinject: 3 })(testContext({ ...ON, SRS_DOMAIN: 'b.test' }));
  assert.equal(
    plannedFile(p, '/r/etc/postfix/mta-postsrsd.args')?.content,
    postsrsdArgs('/r/srv/var/srs/secret', { domain: 'b.test', excluded: ['a.test'] }, { forward: 1, reverse: 2, reinject: 3 }),
  );
  assert.match(String(plannedFile(p, '/r/etc/postfix/mta-srs-transport.pcre')?.content), /\tmta-srs:\[127\.0\.0\.1\]:3\n/);
  assert.ok((p.master ?? []).some((e) => e.service === '127.0.0.1:3'));
});

test('the transport table sends exactly the senders postsrsd rewrites to the pass', () => {
  const line = srsTransportTable(['a.test', 'b-2.test'], 10027).split('\n')[1] ?? '';
  const m = line.match(/^!\/(.*)\/\t(.*)$/);
  assert.ok(m, line);
  assert.equal(m[2], 'mta-srs:[127.0.0.1]:10027');
  // postfix pcre tables match case-insensitively by default.
  const re = new RegExp(m[1] ?? '', 'i');
  const takesPass = (sender: string) => !re.test(sender);
  for (const s of ['carol@ext.test', 'x@sub.a.test', 'x@a.testing', 'x@xa.test', 'SRS0=h=t=ext.test=carol@other.test'])
    assert.ok(takesPass(s), s);
  for (const s of ['<>', 'root', 'box@a.test', 'BOX@A.TEST', 'x@b-2.test', 'SRS0=h=t=ext.test=carol@a.test']) assert.ok(!takesPass(s), s);
});

test('SRS off: nothing wired, the args and table go, the secret stays', () => {
  for (const env of [{ MAIL_DOMAIN: 'a.test' }, { MAIL_DOMAIN: 'a.test', SRS: 'no' }]) {
    const p = renderSrs(testContext(env));
    assert.equal(p.postconf, undefined);
    assert.equal(p.master, undefined);
    assert.deepEqual(p.remove, ['/r/etc/postfix/mta-postsrsd.args', '/r/etc/postfix/mta-srs-transport.pcre']);
  }
});
