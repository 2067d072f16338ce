import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailLog } from './mail-log.ts';

const pf = (prog: string, text: string) => `Dec 01 13:46:11 mx.example.com ${prog}[4242]: ${text}`;
const amavis = (text: string) => `Dec  1 13:46:11 mx amavis[777]: ${text}`;
const amavisd = 'Dec  1 14:18:08 mx.example.com /usr/sbin/amavisd[4636]: (04636-01)';
const sent = (prog: string, relay: string) =>
  pf(prog, `4Xq2Lk0Zb2z9: to=<info@example.com>, relay=${relay}, delay=1, dsn=2.0.0, status=sent (ok)`);

// One row per log line: the event it must give, all of it (exact) or the fields that matter (partial), or none.
type Row = { line: string; stream?: 'amavis'; exact?: object; partial?: object; none?: true; why?: string };
const CASES: Record<string, Row[]> = {
  'SMTP AUTH failures name the client and the postfix service': [
    {
      line: pf('postfix/submission/smtpd', 'warning: unknown[192.0.2.7]: SASL PLAIN authentication failed: UGFzc3dvcmQ6'),
      exact: { kind: 'auth-failed', daemon: 'postfix', service: 'submission', ip: '192.0.2.7', count: 1 },
    },
    {
      line: pf('postfix/smtps/smtpd', 'warning: mail.example.org[2001:db8::7]: SASL LOGIN authentication failed: authentication failure'),
      partial: { kind: 'auth-failed' },
    },
  ],
  'dovecot login failures count the attempts of the session': [
    {
      line: 'Dec 01 13:46:11 imap-login: Info: Login aborted: Connection closed (auth failed, 3 attempts in 8 secs) (auth_failed): user=<bob>, method=PLAIN, rip=198.51.100.9, lip=127.0.0.1, session=<abc>',
      exact: { kind: 'auth-failed', daemon: 'dovecot', service: 'imap', ip: '198.51.100.9', count: 3 },
    },
    { line: 'Dec 01 13:46:11 imap-login: Info: Login: user=<bob>, method=PLAIN, rip=198.51.100.9', none: true },
  ],
  'postscreen verdicts': [
    {
      line: pf('postfix/postscreen', 'PREGREET 11 after 0.01 from [192.0.2.1]:51234: EHLO x\\r\\n'),
      exact: { kind: 'postscreen', test: 'pregreet', ip: '192.0.2.1' },
    },
    {
      line: pf('postfix/postscreen', 'DNSBL rank 3 for [192.0.2.2]:4000'),
      exact: { kind: 'postscreen', test: 'dnsbl', ip: '192.0.2.2', rank: 3 },
    },
    { line: pf('postfix/postscreen', 'DENYLISTED [192.0.2.3]:4000'), partial: { test: 'denylist' } },
    { line: pf('postfix/postscreen', 'CONNECT from [192.0.2.3]:4000 to [127.0.0.1]:25'), none: true },
  ],
  'rejects carry their stage, code and reason class': [
    {
      line: pf(
        'postfix/smtpd',
        'NOQUEUE: reject: RCPT from unknown[192.0.2.9]: 554 5.7.1 <x@elsewhere.example>: Relay access denied; from=<a@b.example> to=<x@elsewhere.example> proto=ESMTP helo=<h>',
      ),
      exact: { kind: 'reject', service: 'smtpd', ip: '192.0.2.9', stage: 'RCPT', code: 554, reason: 'relay' },
    },
    {
      line: pf(
        'postfix/postscreen',
        'NOQUEUE: reject: RCPT from [192.0.2.2]:4000: 550 5.7.1 Service unavailable; client [192.0.2.2] blocked using bl.test; from=<a@b>',
      ),
      partial: { reason: 'dnsbl' },
    },
    {
      line: pf(
        'postfix/smtpd',
        'NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <n@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<>',
      ),
      partial: { reason: 'unknown-recipient' },
    },
  ],
  'rate limits': [
    {
      line: pf('postfix/smtpd', 'warning: Connection rate limit exceeded: 31 from unknown[192.0.2.4] for service smtp'),
      exact: { kind: 'rate-limit', service: 'smtpd', ip: '192.0.2.4', limit: 'connection rate' },
    },
  ],
  'traffic: received, delivered, the filter hop is internal': [
    {
      line: pf('postfix/smtpd', '4Xq2Lk0Zb2z9: client=unknown[192.0.2.1]'),
      exact: { kind: 'received', service: 'smtpd', queueId: '4Xq2Lk0Zb2z9' },
    },
    { line: pf('postfix/reinject/smtpd', '4Xq2Lk0Zb2zA: client=localhost[127.0.0.1]'), none: true },
    {
      line: pf('postfix/pickup', '4Xq2Lk0Zb2zB: uid=0 from=<root>'),
      exact: { kind: 'received', service: 'pickup', queueId: '4Xq2Lk0Zb2zB' },
    },
    {
      line: sent('postfix/virtual', 'virtual'),
      exact: { kind: 'delivery', queueId: '4Xq2Lk0Zb2z9', status: 'sent', internal: false },
    },
    {
      line: sent('postfix/amavis/smtp', '127.0.0.1[127.0.0.1]:10024'),
      exact: { kind: 'delivery', queueId: '4Xq2Lk0Zb2z9', status: 'sent', internal: true },
    },
    {
      line: pf('postfix/smtp', '4Xq2: to=<a@b.example>, relay=none, delay=1, dsn=4.4.1, status=deferred (connect refused)'),
      partial: { status: 'deferred' },
    },
  ],
  'amavis verdicts and scanner failures': [
    {
      line: amavis(
        '(00777-01) Passed CLEAN {RelayedInbound}, [192.0.2.1]:4321 <a@b> -> <c@d>, Queue-ID: 4X, size: 456, queued_as: 4Y, 1234 ms',
      ),
      exact: { kind: 'verdict', verdict: 'clean', blocked: false, ms: 1234 },
    },
    {
      line: amavis('(00777-02) Blocked INFECTED (Eicar-Test-Signature) {DiscardedInbound,Quarantined}, <a@b> -> <c@d>, 88 ms'),
      partial: { verdict: 'virus' },
    },
    { line: amavis('(00777-03) Passed BAD-HEADER-0 {RelayedInbound}, <a@b> -> <c@d>, 5 ms'), partial: { verdict: 'bad-header' } },
    { line: amavis('(00777-04) Blocked SPAM {DiscardedInbound}, <a@b> -> <c@d>, 5 ms'), partial: { verdict: 'spam' } },
    { line: amavis('(00777-05) Blocked BANNED (.exe) {DiscardedInbound}, <a@b> -> <c@d>, 5 ms'), partial: { verdict: 'banned' } },
    {
      line: amavis('(00777-06) (!)ClamAV-clamd av-scanner FAILED: run_av error: Too many retries'),
      exact: { kind: 'scanner-error', all: false },
    },
  ],
  'amavis under its path name counts once per message, not per recipient summary': [
    {
      line: `${amavisd} Passed CLEAN {RelayedInternal}, MYNETS LOCAL [127.0.0.1]:53558 <a@b> -> <c@d>, Queue-ID: D1E, Hits: -0.199, size: 367, queued_as: 1D0, 256 ms`,
      exact: { kind: 'verdict', verdict: 'clean', blocked: false, ms: 256 },
    },
    { line: `${amavisd} Passed CLEAN, <a@b> -> <c@d>, Hits: -0.199, tag=2, tag2=6.2, kill=6.9, queued_as: 1D0, L/0/0/0`, none: true },
    {
      line: 'Dec  1 14:18:08 mx /usr/sbin/amavisd-new[1]: (1-01) Blocked INFECTED (Eicar) {DiscardedInbound}, <a@b> -> <c@d>, 5 ms',
      partial: { verdict: 'virus' },
    },
  ],
  'amavis on stderr (the image): only a priority prefix, known by its stream': [
    {
      line: '<6>(00290-01) Passed CLEAN {RelayedInbound}, [192.0.2.1]:4321 <a@b> -> <c@d>, Queue-ID: 4X, 812 ms',
      stream: 'amavis',
      exact: { kind: 'verdict', verdict: 'clean', blocked: false, ms: 812 },
    },
    {
      line: '<6>(00290-01) Passed CLEAN {RelayedInbound}, [192.0.2.1]:4321 <a@b> -> <c@d>, Queue-ID: 4X, 812 ms',
      none: true,
      why: "without the stream it is nobody's line",
    },
    {
      line: '<3>(00290-01) (!!)TROUBLE in check_mail: virus_scan FAILED: AV: ALL VIRUS SCANNERS FAILED',
      stream: 'amavis',
      exact: { kind: 'scanner-error', all: true },
    },
  ],
  'JSON lines of the sidecars and foreign text are ignored': [
    { line: '{"level":"info","msg":"x"}', none: true },
    { line: 'warning: no timestamp', none: true },
  ],
};

for (const [name, rows] of Object.entries(CASES)) {
  test(name, () => {
    for (const r of rows) {
      const got = parseMailLog(r.line, r.stream);
      if (r.none) assert.equal(got, undefined, r.why ?? r.line);
      else if (r.exact) assert.deepEqual(got, r.exact, r.line);
      else assert.partialDeepStrictEqual(got, r.partial, r.line);
    }
  });
}
