import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imitations } from './imitations.ts';
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
      partial: { kind: 'reject', service: 'smtpd', ip: '192.0.2.9', stage: 'RCPT', code: 554, reason: 'relay' },
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
      partial: {
        reason: 'unknown-recipient',
        key: '<n@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<>',
      },
    },
    {
      line: pf(
        'postfix/smtpd',
        'NOQUEUE: reject: END-OF-MESSAGE from x[192.0.2.1]: 552 5.3.4 Message size exceeds fixed limit; from=<a@b>',
      ),
      partial: { stage: 'END-OF-MESSAGE', reason: 'size' },
    },
    {
      line: pf('postfix/smtpd', 'NOQUEUE: reject_warning: RCPT from x[192.0.2.1]: 554 5.7.1 <x@y>: Relay access denied; from=<>'),
      none: true,
      why: 'a warning refuses nothing',
    },
  ],
  'the enhanced status code decides the classes the guard treats apart, whatever the address says': [
    {
      line: pf(
        'postfix/smtpd',
        'NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <x>: Recipient address rejected: User unknown in virtual mailbox table@elsewhere.test>: Relay access denied; from=<>',
      ),
      partial: { reason: 'other', code: 554 },
      why: 'two reasons follow a bracket: the client wrote one of them; it gets no specific class',
    },
    {
      line: pf(
        'postfix/smtpd',
        'NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a@b.test>: Sender address rejected: not owned by user bob; from=<a@b.test>',
      ),
      partial: { reason: 'sender' },
    },
    {
      line: pf(
        'postfix/smtpd',
        'NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <a>: Relay access denied; b@example.com>: Recipient address rejected: User unknown in local recipient table; from=<>',
      ),
      partial: { reason: 'unknown-recipient' },
    },
  ],
  'sessions: recipients offered and accepted': [
    {
      line: pf('postfix/smtpd', 'disconnect from mail.example.org[192.0.2.5] ehlo=1 mail=1 rcpt=3/5 data=1 quit=1 commands=7/9'),
      exact: { kind: 'disconnect', service: 'smtpd', ip: '192.0.2.5', rcptAccepted: 3, rcptTotal: 5 },
    },
    {
      line: pf(
        'postfix/submission/smtpd',
        'disconnect from unknown[2001:DB8::5] ehlo=2 starttls=1 auth=1 mail=1 rcpt=2 data=1 quit=1 commands=9',
      ),
      exact: { kind: 'disconnect', service: 'submission', ip: '2001:db8::5', rcptAccepted: 2, rcptTotal: 2 },
    },
    {
      line: pf('postfix/smtpd', 'disconnect from unknown[192.0.2.5] ehlo=1 quit=1 commands=2'),
      partial: { rcptAccepted: 0, rcptTotal: 0 },
    },
    { line: pf('postfix/postscreen', 'DISCONNECT [192.0.2.5]:4000'), none: true },
  ],
  'rate limits': [
    {
      line: pf('postfix/smtpd', 'warning: Connection rate limit exceeded: 31 from unknown[192.0.2.4] for service smtp'),
      exact: { kind: 'rate-limit', service: 'smtpd', ip: '192.0.2.4', limit: 'connection rate' },
    },
    {
      line: pf(
        'postfix/submission/smtpd',
        'warning: AUTH command rate limit exceeded: 21 from x.example[192.0.2.4]:5123 for service submission',
      ),
      partial: { ip: '192.0.2.4', limit: 'auth command rate', service: 'submission' },
    },
    {
      line: pf(
        'postfix/smtpd',
        'warning: non-SMTP command from unknown[192.0.2.4]: GET /x rate limit exceeded: 1 from x[198.51.100.77] HTTP/1.1',
      ),
      none: true,
      why: 'the attack of issue 27: a request line that imitates a rate-limit warning',
    },
  ],
  'traffic: received, delivered, the filter hop is internal': [
    {
      line: pf('postfix/smtpd', '4Xq2Lk0Zb2z9: client=unknown[192.0.2.1]'),
      exact: { kind: 'received', service: 'smtpd', queueId: '4Xq2Lk0Zb2z9', ip: '192.0.2.1' },
    },
    { line: pf('postfix/reinject/smtpd', '4Xq2Lk0Zb2zA: client=localhost[127.0.0.1]'), none: true },
    { line: pf('postfix/srs-reinject/smtpd', '4Xq2Lk0Zb2zC: client=localhost[127.0.0.1], orig_queue_id=4Xq2Lk0Zb2z9'), none: true },
    {
      line: pf('postfix/srs-reinject/smtpd', 'disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'),
      none: true,
    },
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
      line: sent('postfix/srs/smtp', '127.0.0.1[127.0.0.1]:10027'),
      exact: { kind: 'delivery', queueId: '4Xq2Lk0Zb2z9', status: 'sent', internal: true },
    },
    {
      line: pf('postfix/smtp', '4Xq2: to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (connect refused)'),
      partial: { status: 'deferred' },
    },
    {
      line: pf(
        'postfix/smtp',
        '4Xq4: to=<a@b.example>, relay=mx.b.example[192.0.2.8]:25, delay=1, delays=1/0/0/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.b.example[192.0.2.8])',
      ),
      exact: { kind: 'delivery', queueId: '4Xq4', status: 'deferred', internal: false, tlsPolicy: 'not-offered' },
    },
    {
      line: pf(
        'postfix/smtp',
        '4Xq5: to=<a@b.example>, relay=mx.b.example[192.0.2.8]:25, delay=1, dsn=4.7.5, status=deferred (Server certificate not verified)',
      ),
      partial: { tlsPolicy: 'certificate' },
    },
    {
      line: pf('postfix/smtp', "warning: MX name 'evil.b.example' does not match STS MX pattern for 'b.example'"),
      exact: { kind: 'sts-mx-refused' },
    },
    {
      line: pf(
        'postfix/smtp',
        'Verified TLS connection established to mx.b.example[192.0.2.8]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      ),
      exact: { kind: 'tls-connection', trust: 'verified' },
    },
    {
      line: pf(
        'postfix/smtp',
        'Untrusted TLS connection established to mx.b.example[192.0.2.8]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      ),
      exact: { kind: 'tls-connection', trust: 'untrusted' },
    },
    {
      // A remote server's text that imitates the reason is not postfix's: no class.
      line: pf(
        'postfix/smtp',
        '4Xq6: to=<a@b.example>, relay=mx.b.example[192.0.2.8]:25, delay=1, dsn=4.0.0, status=deferred (host mx.b.example[192.0.2.8] said: 450 Server certificate not verified (in reply to RCPT TO command))',
      ),
      exact: { kind: 'delivery', queueId: '4Xq6', status: 'deferred', internal: false },
    },
    {
      line: pf(
        'postfix/smtp',
        '4Xq3: to=<"x, relay=none, delay=1, delays=1/0/0/0, dsn=5.0.0, status=bounced (x"@b.example>, orig_to=<o@b.example>, relay=mx.b.example[192.0.2.8]:25, conn_use=2, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 ok, status=bounced (x))',
      ),
      partial: { queueId: '4Xq3', status: 'sent' },
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
      line: '<2>(00290-01) (!!)AV: ALL VIRUS SCANNERS FAILED',
      stream: 'amavis',
      exact: { kind: 'scanner-error', all: true },
    },
    {
      line: '<3>(00290-01) (!!)TROUBLE in check_mail: virus_scan FAILED: AV: ALL VIRUS SCANNERS FAILED',
      stream: 'amavis',
      none: true,
      why: 'the same failure again: counted once',
    },
    {
      line: '<6>(00290-02) Passed CLEAN {RelayedInbound}, <a@b> -> <c@d>, Message-ID: <ALL VIRUS SCANNERS FAILED (!)x av-scanner FAILED: >, 5 ms',
      stream: 'amavis',
      partial: { verdict: 'clean', ms: 5 },
    },
  ],
  // Written by trixie's Postfix 3.10.13 and Dovecot 2.4.1 (and, where the wording differs, bookworm's 3.7.11 and
  // 2.3.19.1) in a test root (the client address replaced by a documentation one): auth failures (wrong password,
  // unknown user, an unknown mechanism), rate limits, postscreen, rejects (3.10 adds the SASL fields to a reject).
  'Postfix 3.10 and Dovecot 2.4 (trixie), as the daemons wrote them': [
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[287]: warning: localhost[192.0.2.20]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=alice@example.com',
      exact: { kind: 'auth-failed', daemon: 'postfix', service: 'smtpd', ip: '192.0.2.20', count: 1 },
    },
    {
      line: "Dec  7 15:18:53 mx postfix/smtpd[287]: warning: localhost[192.0.2.20]: SASL NOSUCH authentication failed: Invalid authentication mechanism: 'NOSUCH', sasl_username=bob@example.com",
      partial: { kind: 'auth-failed', ip: '192.0.2.20' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[29196]: warning: localhost[192.0.2.20]: SASL NOSUCH authentication failed: Invalid authentication mechanism, sasl_username=bob@example.com',
      partial: { kind: 'auth-failed', ip: '192.0.2.20' },
      why: 'the same on 3.7 (without the mechanism)',
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/submission/smtpd[288]: warning: localhost[192.0.2.20]: SASL LOGIN authentication failed: (reason unavailable), sasl_username=bob@example.com',
      exact: { kind: 'auth-failed', daemon: 'postfix', service: 'submission', ip: '192.0.2.20', count: 1 },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[287]: warning: AUTH command rate limit exceeded: 5 from localhost[192.0.2.20] for service smtp',
      exact: { kind: 'rate-limit', service: 'smtpd', ip: '192.0.2.20', limit: 'auth command rate' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[295]: warning: Connection rate limit exceeded: 16 from localhost[192.0.2.20] for service smtp',
      exact: { kind: 'rate-limit', service: 'smtpd', ip: '192.0.2.20', limit: 'connection rate' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/submission/smtpd[292]: NOQUEUE: reject: RCPT from localhost[192.0.2.20]: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<alice@example.com> to=<nobody@example.com> proto=ESMTP helo=<x> sasl_method=PLAIN sasl_username=alice@example.com',
      partial: { kind: 'reject', service: 'submission', ip: '192.0.2.20', stage: 'RCPT', code: 550, reason: 'unknown-recipient' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[287]: NOQUEUE: reject: RCPT from localhost[192.0.2.20]: 554 5.7.1 <x@elsewhere.test>: Relay access denied; from=<a@sender.test> to=<x@elsewhere.test> proto=ESMTP helo=<client.test>',
      partial: { kind: 'reject', ip: '192.0.2.20', code: 554, reason: 'relay' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[295]: NOQUEUE: reject: RCPT from localhost[192.0.2.20]: 501 5.5.2 <bad..helo>: Helo command rejected: Invalid name; from=<a@sender.test> to=<alice@example.com> proto=SMTP helo=<bad..helo>',
      partial: { kind: 'reject', code: 501, reason: 'helo' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/postscreen[299]: PREGREET 17 after 0 from [192.0.2.20]:40604: EHLO early.test\\r\\n',
      exact: { kind: 'postscreen', test: 'pregreet', ip: '192.0.2.20' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/postscreen[299]: HANGUP after 3.5 from [192.0.2.20]:40604 in tests after SMTP handshake',
      exact: { kind: 'postscreen', test: 'hangup', ip: '192.0.2.20' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/postscreen[299]: COMMAND PIPELINING from [192.0.2.20]:53888 after MAIL: RCPT TO:<alice@example.com>\\r\\n',
      exact: { kind: 'postscreen', test: 'protocol', ip: '192.0.2.20' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/postscreen[299]: NON-SMTP COMMAND from [192.0.2.20]:53902 after EHLO: GET / HTTP/1.1',
      exact: { kind: 'postscreen', test: 'protocol', ip: '192.0.2.20' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/postscreen[299]: NOQUEUE: reject: RCPT from [192.0.2.20]:53888: 550 5.5.1 Protocol error; from=<a@b.test>, to=<alice@example.com>, proto=ESMTP, helo=<x.test>',
      partial: { kind: 'reject', service: 'postscreen', ip: '192.0.2.20', reason: 'protocol' },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[287]: disconnect from localhost[192.0.2.20] ehlo=1 mail=1 rcpt=1/3 quit=1 commands=4/6',
      exact: { kind: 'disconnect', service: 'smtpd', ip: '192.0.2.20', rcptAccepted: 1, rcptTotal: 3 },
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/submission/smtpd[288]: NOQUEUE: lost connection after AUTH from localhost[192.0.2.20]',
      none: true,
    },
    {
      line: 'Dec  7 15:18:53 mx postfix/smtpd[295]: 8BC42145: lost connection after DATA (0 bytes) from localhost[192.0.2.20]',
      none: true,
    },
    { line: 'Dec  7 15:18:53 mx postfix/cleanup[297]: 8BC42145: removed (canceled)', none: true },
    {
      line: 'Dec 07 15:19:02 imap-login: Info: Login aborted: Logged out (auth failed, 2 attempts in 0 secs) (auth_failed): user=<bob@example.com>, method=PLAIN, rip=192.0.2.21, lip=127.0.0.1, secured, session=<UnwFxwxiooJ/AAAB>',
      exact: { kind: 'auth-failed', daemon: 'dovecot', service: 'imap', ip: '192.0.2.21', count: 2 },
    },
    {
      line: 'Dec 07 15:19:02 imap-login: Info: Login aborted: Logged out (auth failed, 1 attempts in 0 secs) (auth_failed): user=<alice@example.com>, method=PLAIN, rip=192.0.2.21, lip=127.0.0.1, TLS, session=<F84KxwxisMF/AAAB>',
      exact: { kind: 'auth-failed', daemon: 'dovecot', service: 'imap', ip: '192.0.2.21', count: 1 },
    },
    {
      line: 'Dec 07 15:19:02 pop3-login: Info: Login aborted: Logged out (auth failed, 2 attempts in 0 secs) (auth_failed): user=<x>, method=PLAIN, rip=2001:db8::21, lip=127.0.0.1, secured, session=<VkELxwxidNF/AAAB>',
      exact: { kind: 'auth-failed', daemon: 'dovecot', service: 'pop3', ip: '2001:db8::21', count: 2 },
    },
    {
      line: 'Dec 07 15:19:02 imap-login: Info: Disconnected: Aborted login by logging out (auth failed, 2 attempts in 1 secs): user=<bob@example.com>, method=PLAIN, rip=192.0.2.21, lip=127.0.0.1, secured, session=<FDXQwgxiurB/AAAB>',
      exact: { kind: 'auth-failed', daemon: 'dovecot', service: 'imap', ip: '192.0.2.21', count: 2 },
      why: 'the same on 2.3',
    },
    {
      line: 'Dec 07 15:19:02 imap-login: Info: Login aborted: Connection closed (disconnected before auth was ready, waited 0 secs) (auth_process_not_ready): user=<>, rip=192.0.2.21, lip=127.0.0.1, secured, session=<dpNnwAxi4LF/AAAB>',
      none: true,
    },
    {
      line: 'Dec 07 15:19:02 pop3-login: Info: Login aborted: Connection closed (no auth attempts in 0 secs) (no_auth_attempts): user=<>, rip=192.0.2.21, lip=127.0.0.1, secured, session=<SoJlvgxiFIx/AAAB>',
      none: true,
    },
    { line: 'Dec 07 15:18:43 master: Info: Dovecot v2.4.1-4 (7d8c0e5759) starting up for imap, pop3 (core dumps disabled)', none: true },
  ],
  'JSON lines of the sidecars and foreign text are ignored': [
    { line: '{"level":"info","msg":"x"}', none: true },
    { line: 'warning: no timestamp', none: true },
  ],
};

// Where a client's text lands in the lines the daemons write (postfix neuters HELO, dovecot sanitizes user names;
// the worst case is assumed here: the text verbatim).
const A = '192.0.2.44';
const VICTIM = '198.51.100.77';
const TEMPLATES: [string, (t: string) => string][] = [
  ['postfix/smtpd', (t) => `warning: non-SMTP command from unknown[${A}]: GET /${t} HTTP/1.1`],
  ['postfix/smtpd', (t) => `warning: Illegal address syntax from unknown[${A}] in MAIL command: <${t}>`],
  [
    'postfix/smtpd',
    (t) => `NOQUEUE: reject: RCPT from unknown[${A}]: 554 5.7.1 <${t}>: Relay access denied; from=<${t}> to=<${t}> proto=ESMTP helo=<${t}>`,
  ],
  [
    'postfix/smtpd',
    (t) =>
      `NOQUEUE: reject: RCPT from unknown[${A}]: 550 5.1.1 <${t}>: Recipient address rejected: User unknown in virtual mailbox table; from=<x> to=<${t}> proto=ESMTP helo=<${t}>`,
  ],
  [
    'postfix/smtpd',
    (t) =>
      `NOQUEUE: reject: RCPT from unknown[${A}]: 504 5.5.2 <${t}>: Helo command rejected: need fully-qualified hostname; from=<${t}> to=<x@y> proto=SMTP helo=<${t}>`,
  ],
  ['postfix/smtpd', (t) => `warning: ${t}`],
  ['postfix/submission/smtpd', (t) => `warning: unknown[${A}]: SASL PLAIN authentication failed: ${t}`],
  ['postfix/smtpd', (t) => `4ABCD: client=unknown[${A}], sasl_method=PLAIN, sasl_username=${t}`],
  ['postfix/smtpd', (t) => `improper command pipelining after EHLO from unknown[${A}]: ${t}`],
  ['postfix/virtual', (t) => `4ABCD: to=<${t}>, relay=virtual, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to maildir)`],
  ['postfix/postscreen', (t) => `PREGREET 40 after 0.1 from [${A}]:4000: ${t}`],
  ['postfix/postscreen', (t) => `NON-SMTP COMMAND from [${A}]:4000 after CONNECT: ${t}`],
  ['postfix/postscreen', (t) => `COMMAND PIPELINING from [${A}]:4000 after EHLO: ${t}`],
  // Postfix 3.10: the SASL user name and an unknown mechanism's name end the failure line; the SASL fields end a reject.
  ['postfix/submission/smtpd', (t) => `warning: unknown[${A}]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=${t}`],
  [
    'postfix/smtpd',
    (t) => `warning: unknown[${A}]: SASL X authentication failed: Invalid authentication mechanism: '${t}', sasl_username=${t}`,
  ],
  [
    'postfix/submission/smtpd',
    (t) =>
      `NOQUEUE: reject: RCPT from unknown[${A}]: 553 5.7.1 <${t}>: Sender address rejected: not owned by user ${t}; from=<${t}> to=<${t}> proto=ESMTP helo=<${t}> sasl_method=PLAIN sasl_username=${t}`,
  ],
  ['postfix/smtpd', (t) => `NOQUEUE: lost connection after AUTH from unknown[${A}]: ${t}`],
];
const DOVECOT: ((t: string) => string)[] = [
  (t) => `Info: Disconnected (auth failed, 1 attempts in 2 secs): user=<${t}>, method=PLAIN, rip=${A}, lip=127.0.0.1, TLS, session=<x>`,
  (t) =>
    `Info: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): user=<${t}>, method=PLAIN, rip=${A}, lip=127.0.0.1, session=<x>`,
  (t) => `Info: Login: user=<${t}>, method=PLAIN, rip=${A}, lip=127.0.0.1, mpid=7, TLS, session=<x>`,
  (t) => `Info: Disconnected (no auth attempts in 0 secs): user=<${t}>, rip=${A}, lip=127.0.0.1, session=<x>`,
  // Dovecot 2.4
  (t) =>
    `Info: Login aborted: Logged out (auth failed, 2 attempts in 0 secs) (auth_failed): user=<${t}>, method=PLAIN, rip=${A}, lip=127.0.0.1, secured, session=<x>`,
  (t) =>
    `Info: Login aborted: Connection closed (no auth attempts in 0 secs) (no_auth_attempts): user=<${t}>, rip=${A}, lip=127.0.0.1, TLS, session=<x>`,
];

test('client text that imitates any parsed line is never attributed to the address it names', () => {
  let parsed = 0;
  for (const t of imitations(VICTIM)) {
    const lines = [
      ...TEMPLATES.map(([prog, f]) => pf(prog, f(t))),
      ...DOVECOT.flatMap((f) => [`Dec 01 13:46:11 imap-login: ${f(t)}`, `Dec 01 13:46:11 pop3-login: ${f(t)}`]),
    ];
    for (const line of lines) {
      const e = parseMailLog(line);
      if (e) parsed++;
      assert.ok(!e || !('ip' in e) || e.ip !== VICTIM, `${line}\n-> ${JSON.stringify(e)}`);
    }
  }
  assert.ok(parsed > 0, 'the real lines around the text still parse');
});

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
