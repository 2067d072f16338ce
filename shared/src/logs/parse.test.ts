import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailLog } from './mail-log.ts';

const pf = (prog: string, text: string) => `Dec 01 13:46:11 mx.example.com ${prog}[4242]: ${text}`;

test('SMTP AUTH failures name the client and the postfix service', () => {
  assert.deepEqual(
    parseMailLog(pf('postfix/submission/smtpd', 'warning: unknown[192.0.2.7]: SASL PLAIN authentication failed: UGFzc3dvcmQ6')),
    {
      kind: 'auth-failed',
      daemon: 'postfix',
      service: 'submission',
      ip: '192.0.2.7',
      count: 1,
    },
  );
  assert.equal(
    parseMailLog(
      pf('postfix/smtps/smtpd', 'warning: mail.example.org[2001:db8::7]: SASL LOGIN authentication failed: authentication failure'),
    )?.kind,
    'auth-failed',
  );
});

test('dovecot login failures count the attempts of the session', () => {
  const e = parseMailLog(
    'Dec 01 13:46:11 imap-login: Info: Login aborted: Connection closed (auth failed, 3 attempts in 8 secs) (auth_failed): user=<bob>, method=PLAIN, rip=198.51.100.9, lip=127.0.0.1, session=<abc>',
  );
  assert.deepEqual(e, { kind: 'auth-failed', daemon: 'dovecot', service: 'imap', ip: '198.51.100.9', count: 3 });
  assert.equal(parseMailLog('Dec 01 13:46:11 imap-login: Info: Login: user=<bob>, method=PLAIN, rip=198.51.100.9'), undefined);
});

test('postscreen verdicts', () => {
  assert.deepEqual(parseMailLog(pf('postfix/postscreen', 'PREGREET 11 after 0.01 from [192.0.2.1]:51234: EHLO x\\r\\n')), {
    kind: 'postscreen',
    test: 'pregreet',
    ip: '192.0.2.1',
  });
  assert.deepEqual(parseMailLog(pf('postfix/postscreen', 'DNSBL rank 3 for [192.0.2.2]:4000')), {
    kind: 'postscreen',
    test: 'dnsbl',
    ip: '192.0.2.2',
    rank: 3,
  });
  assert.equal((parseMailLog(pf('postfix/postscreen', 'DENYLISTED [192.0.2.3]:4000')) as { test: string }).test, 'denylist');
  assert.equal(parseMailLog(pf('postfix/postscreen', 'CONNECT from [192.0.2.3]:4000 to [127.0.0.1]:25')), undefined);
});

test('rejects carry their stage, code and reason class', () => {
  assert.deepEqual(
    parseMailLog(
      pf(
        'postfix/smtpd',
        'NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <x@elsewhere.example>: Relay access denied; from=<a@b.example> to=<x@elsewhere.example> proto=ESMTP helo=<h>',
      ),
    ),
    { kind: 'reject', service: 'smtpd', ip: '192.0.2.9', stage: 'RCPT', code: 554, reason: 'relay' },
  );
  const ps = parseMailLog(
    pf(
      'postfix/postscreen',
      'NOQUEUE: reject: RCPT from [192.0.2.2]:4000: 550 5.7.1 Service unavailable; client [192.0.2.2] blocked using bl.test; from=<a@b>',
    ),
  );
  assert.equal((ps as { reason: string }).reason, 'dnsbl');
  assert.equal(
    (
      parseMailLog(
        pf(
          'postfix/smtpd',
          'NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <n@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<>',
        ),
      ) as { reason: string }
    ).reason,
    'unknown-recipient',
  );
});

test('rate limits', () => {
  assert.deepEqual(
    parseMailLog(pf('postfix/smtpd', 'warning: Connection rate limit exceeded: 31 from unknown[192.0.2.4] for service smtp')),
    {
      kind: 'rate-limit',
      service: 'smtpd',
      ip: '192.0.2.4',
      limit: 'connection rate',
    },
  );
});

test('traffic: received, delivered, the filter hop is internal', () => {
  assert.deepEqual(parseMailLog(pf('postfix/smtpd', '4Xq2Lk0Zb2z9: client=unknown[192.0.2.1]')), {
    kind: 'received',
    service: 'smtpd',
    queueId: '4Xq2Lk0Zb2z9',
  });
  assert.equal(parseMailLog(pf('postfix/reinject/smtpd', '4Xq2Lk0Zb2zA: client=localhost[127.0.0.1]')), undefined);
  assert.deepEqual(parseMailLog(pf('postfix/pickup', '4Xq2Lk0Zb2zB: uid=0 from=<root>')), {
    kind: 'received',
    service: 'pickup',
    queueId: '4Xq2Lk0Zb2zB',
  });
  const sent = (prog: string, relay: string) =>
    parseMailLog(pf(prog, `4Xq2Lk0Zb2z9: to=<info@example.com>, relay=${relay}, delay=1, dsn=2.0.0, status=sent (ok)`));
  assert.deepEqual(sent('postfix/virtual', 'virtual'), { kind: 'delivery', queueId: '4Xq2Lk0Zb2z9', status: 'sent', internal: false });
  assert.deepEqual(sent('postfix/amavis/smtp', '127.0.0.1[127.0.0.1]:10024'), {
    kind: 'delivery',
    queueId: '4Xq2Lk0Zb2z9',
    status: 'sent',
    internal: true,
  });
  assert.equal(
    (
      parseMailLog(pf('postfix/smtp', '4Xq2: to=<a@b.example>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect refused)')) as {
        status: string;
      }
    ).status,
    'deferred',
  );
});

test('amavis verdicts and scanner failures', () => {
  const a = (t: string) => parseMailLog(`Dec  1 13:46:11 mx amavis[777]: ${t}`);
  assert.deepEqual(
    a('(00777-01) Passed CLEAN {RelayedInbound}, [192.0.2.1]:4321 <a@b> -> <c@d>, Queue-ID: 4X, size: 456, queued_as: 4Y, 1234 ms'),
    {
      kind: 'verdict',
      verdict: 'clean',
      blocked: false,
      ms: 1234,
    },
  );
  assert.equal(
    (a('(00777-02) Blocked INFECTED (Eicar-Test-Signature) {DiscardedInbound,Quarantined}, <a@b> -> <c@d>, 88 ms') as { verdict: string })
      .verdict,
    'virus',
  );
  assert.equal((a('(00777-03) Passed BAD-HEADER-0 {RelayedInbound}, <a@b> -> <c@d>, 5 ms') as { verdict: string }).verdict, 'bad-header');
  assert.equal((a('(00777-04) Blocked SPAM {DiscardedInbound}, <a@b> -> <c@d>, 5 ms') as { verdict: string }).verdict, 'spam');
  assert.equal((a('(00777-05) Blocked BANNED (.exe) {DiscardedInbound}, <a@b> -> <c@d>, 5 ms') as { verdict: string }).verdict, 'banned');
  assert.deepEqual(a('(00777-06) (!)ClamAV-clamd av-scanner FAILED: run_av error: Too many retries'), {
    kind: 'scanner-error',
    all: false,
  });
});

test('amavis under its path name counts once per message, not per recipient summary', () => {
  const pre = 'Dec  1 14:18:08 mx.example.com /usr/sbin/amavisd[4636]: (04636-01)';
  assert.deepEqual(
    parseMailLog(
      `${pre} Passed CLEAN {RelayedInternal}, MYNETS LOCAL [127.0.0.1]:53558 <a@b> -> <c@d>, Queue-ID: D1E, Hits: -0.199, size: 367, queued_as: 1D0, 256 ms`,
    ),
    {
      kind: 'verdict',
      verdict: 'clean',
      blocked: false,
      ms: 256,
    },
  );
  assert.equal(
    parseMailLog(`${pre} Passed CLEAN, <a@b> -> <c@d>, Hits: -0.199, tag=2, tag2=6.2, kill=6.9, queued_as: 1D0, L/0/0/0`),
    undefined,
  );
  assert.equal(
    (
      parseMailLog(
        `Dec  1 14:18:08 mx /usr/sbin/amavisd-new[1]: (1-01) Blocked INFECTED (Eicar) {DiscardedInbound}, <a@b> -> <c@d>, 5 ms`,
      ) as { verdict: string }
    ).verdict,
    'virus',
  );
});

test('amavis on stderr (the image): only a priority prefix, known by its stream', () => {
  const line = '<6>(00290-01) Passed CLEAN {RelayedInbound}, [192.0.2.1]:4321 <a@b> -> <c@d>, Queue-ID: 4X, 812 ms';
  assert.deepEqual(parseMailLog(line, 'amavis'), { kind: 'verdict', verdict: 'clean', blocked: false, ms: 812 });
  assert.equal(parseMailLog(line), undefined, "without the stream it is nobody's line");
  assert.deepEqual(parseMailLog('<3>(00290-01) (!!)TROUBLE in check_mail: virus_scan FAILED: AV: ALL VIRUS SCANNERS FAILED', 'amavis'), {
    kind: 'scanner-error',
    all: true,
  });
});

test('JSON lines of the sidecars and foreign text are ignored', () => {
  assert.equal(parseMailLog('{"level":"info","msg":"x"}'), undefined);
  assert.equal(parseMailLog('warning: no timestamp'), undefined);
});
