import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BAN_REPLY, postfixLookup } from '@mta/guard';
import { type LoggedDaemon, parseMailLog } from '@mta/shared';
import { imitations } from '@mta/shared/logs/imitations';
import { createNetns, type Daemon, eventually, fileScope, type TestNetns, tsxArgs } from '../harness/index.ts';
import type { Session } from './corpus-client.ts';
import { startGuard } from './guard-process.ts';
import { logOf, type Stack, startStack } from './stack.ts';

// Attack: a client puts text into every field the daemons log, shaped like each line the guard reads and naming
// another address (VICTIM), to get that address counted or banned. The guard runs at its most trigger-happy (one
// failure or refusal bans) and the attackers are on GUARD_IGNORE, so they keep talking: any count for the victim
// would ban it. The sentinels' own real failures, one per log, show the guard read everything before.
const VICTIM = '198.51.100.77';
const ATTACKERS = Array.from({ length: 48 }, (_, i) => `192.0.2.${100 + i}`);
const [SMTP_SENTINEL, IMAP_SENTINEL] = ['203.0.113.10', '203.0.113.11'];
const CLIENT = fileURLToPath(new URL('./corpus-client.ts', import.meta.url));

let ns: TestNetns;
let stack: Stack;
let guard: Daemon;
const scope = fileScope();

before(async () => {
  ns = createNetns(`mta-guard-cp-${process.pid}`, [...ATTACKERS, SMTP_SENTINEL, IMAP_SENTINEL]);
  scope.defer(() => ns.remove());
  const env = {
    MAIL_DOMAIN: 'example.com',
    MAIL_BOXES: 'alice@example.com',
    SMTPD_SASL_CLIENTAUTH: 'app@example.com:{plain}secret',
    SMTPD_USE_TLS: 'yes',
    VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
    MYNETWORKS: '127.0.0.0/8',
    AUTH_FAILURE_DELAY: '0',
    SMTPD_CLIENT_CONNECTION_RATE_LIMIT: '0',
    SMTPD_CLIENT_CONNECTION_COUNT_LIMIT: '0',
    SMTPD_CLIENT_AUTH_RATE_LIMIT: '0',
  };
  stack = scope.keep(await startStack(ns, env));
  guard = scope.keep(
    await startGuard({
      ...env,
      MTA_ROOT: stack.mta.root,
      HOSTNAME: 'mx.example.com',
      GUARD_AUTH_FAILURES: '1',
      GUARD_REJECTS: '1',
      GUARD_IGNORE: '192.0.2.0/24',
    }),
  );
});

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

// Every client-chosen field the daemons log, each carrying `t`, from attacker `from`.
function sessions(t: string, n: number): Session[] {
  const from = (k: number) => ATTACKERS[(n * 11 + k) % ATTACKERS.length] as string;
  const { smtp, submission, smtps } = stack.ports;
  const d = stack.dovecot!.ports;
  const oneLine = t.replace(/[\r\n]/g, ' ');
  return [
    // HELO/EHLO, MAIL FROM, RCPT TO, each with a refused recipient after it (the reject line logs them all)
    { from: from(0), port: smtp, tls: 'none', lines: [`EHLO ${oneLine}`, 'MAIL FROM:<a@sender.test>', 'RCPT TO:<x@elsewhere.test>'] },
    {
      from: from(1),
      port: smtp,
      tls: 'none',
      lines: [`HELO ${oneLine}`, `MAIL FROM:<${oneLine}>`, 'MAIL FROM:<a@b.test>', `RCPT TO:<${oneLine}>`],
    },
    {
      from: from(2),
      port: smtp,
      tls: 'none',
      lines: ['EHLO x', `MAIL FROM:<"${oneLine}"@sender.test>`, `RCPT TO:<"${oneLine}"@example.com>`],
    },
    { from: from(3), port: smtp, tls: 'none', lines: ['EHLO x', 'MAIL FROM:<a@b.test>', `RCPT TO:<"${oneLine}"@elsewhere.test>`] },
    // the request line: before the greeting (postscreen's PREGREET), after it (smtpd's non-SMTP command), on 587
    { from: from(4), port: smtp, tls: 'none', early: true, lines: [`GET /${oneLine} HTTP/1.1`] },
    { from: from(5), port: smtp, tls: 'none', lines: [`GET /${oneLine} HTTP/1.1`, oneLine] },
    { from: from(6), port: submission!, tls: 'none', lines: [oneLine, `${oneLine}: x`] },
    // AUTH user names (PLAIN, with any bytes; LOGIN), over STARTTLS and implicit TLS; SNI on both
    {
      from: from(7),
      port: submission!,
      tls: 'starttls-smtp',
      servername: oneLine,
      lines: ['EHLO x', `AUTH PLAIN ${b64(`\0${t}\0wrong`)}`, 'AUTH LOGIN', b64(oneLine), b64('wrong')],
    },
    { from: from(8), port: smtps!, tls: 'implicit', servername: oneLine, lines: ['EHLO x', `AUTH PLAIN ${b64(`${t}\0${t}\0wrong`)}`] },
    { from: from(9), port: smtp, tls: 'starttls-smtp', servername: oneLine, lines: ['EHLO x', 'QUIT'] },
    // IMAP and POP3 logins (quoted, and as a literal that may hold a newline) and a request line; SNI on sessions of
    // its own: Dovecot 2.4 ends the handshake when the SNI is not a DNS name ("TLS SNI servername sent by client is not
    // a valid DNS name"), so a login after it would never reach 2.4 (2.3 takes any SNI).
    {
      from: from(10),
      port: d.imap,
      tls: 'starttls-imap',
      lines: [`a LOGIN "${oneLine}" "wrong"`, `b LOGIN {${Buffer.byteLength(t, 'latin1')}+}\r\n${t} "wrong"`, `c ${oneLine}`],
    },
    { from: from(11), port: d.imaps, tls: 'implicit', lines: [`a AUTHENTICATE PLAIN ${b64(`\0${t}\0wrong`)}`] },
    { from: from(12), port: d.pop3, tls: 'starttls-pop3', lines: [`USER ${oneLine}`, 'PASS wrong'] },
    { from: from(13), port: d.pop3s, tls: 'implicit', lines: [`AUTH PLAIN ${b64(`\0${t}\0wrong`)}`] },
    { from: from(14), port: d.imap, tls: 'starttls-imap', servername: oneLine, lines: ['a LOGOUT'] },
    { from: from(15), port: d.imaps, tls: 'implicit', servername: oneLine, lines: ['a LOGOUT'] },
    { from: from(16), port: d.pop3s, tls: 'implicit', servername: oneLine, lines: ['QUIT'] },
  ];
}

function runClient(list: Session[]): string[] {
  const file = join(stack.mta.root, `corpus-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(list));
  const r = ns.run(process.execPath, tsxArgs(CLIENT, file), { timeoutMs: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

const events = (daemon: LoggedDaemon) =>
  logOf(stack, daemon as 'postfix' | 'dovecot')
    .split('\n')
    .map((l) => ({ line: l, e: parseMailLog(l, daemon) }));

describe('guard: client text that imitates the lines it reads, through real daemons', () => {
  test('every field, every imitation: nothing is counted or banned for the address it names', async () => {
    // With a newline inside, where a field can carry one (AUTH PLAIN, an IMAP literal): a whole fake line.
    const texts = [
      ...imitations(VICTIM),
      `x\nDec  1 13:46:11 mx postfix/smtpd[1]: warning: x[${VICTIM}]: SASL PLAIN authentication failed: x`,
    ];
    const transcripts = runClient(texts.slice(0, Number(process.env.CORPUS_N ?? texts.length)).flatMap((t, n) => sessions(t, n)));
    if (process.env.CORPUS_DEBUG) writeFileSync('/tmp/guard-corpus-transcripts.json', JSON.stringify(transcripts, null, 1));
    // The daemons answered (the fields reached them), and refused what they should.
    const all = transcripts.join('\n');
    assert.match(all, /^554 5\.7\.1 .*Relay access denied/m);
    assert.match(all, /^535 5\.7\.8 Error: authentication failed/m);
    assert.match(all, /^a NO \[AUTHENTICATIONFAILED\]/m);
    assert.match(all, /^-ERR \[AUTH\] Authentication failed/m);

    // The sentinels, after all of it: one real failure in each log, which bans at once.
    runClient([
      {
        from: SMTP_SENTINEL,
        port: stack.ports.submission!,
        tls: 'starttls-smtp',
        lines: ['EHLO x', `AUTH PLAIN ${b64('\0app@example.com\0wrong')}`],
      },
      { from: IMAP_SENTINEL, port: stack.dovecot!.ports.imap, tls: 'starttls-imap', lines: ['a LOGIN "alice@example.com" "wrong"'] },
    ]);
    const banned = (ip: string) => guard.output().includes(`"event":"guard.banned","ip":"${ip}"`);
    await eventually(() => banned(SMTP_SENTINEL) && banned(IMAP_SENTINEL), 30_000, 'the sentinels banned');

    // The logs hold the imitations, in the fields the daemons log.
    const postfix = logOf(stack, 'postfix');
    const dovecot = logOf(stack, 'dovecot');
    for (const [where, re] of [
      ['HELO in a reject line', new RegExp(`helo=<[^>]*${VICTIM.replaceAll('.', '\\.')}`)],
      ['MAIL FROM', new RegExp(`in MAIL command: <[^>]*${VICTIM.replaceAll('.', '\\.')}`)],
      ['RCPT TO', new RegExp(`Relay access denied; from=<a@b\\.test> to=<[^>]*${VICTIM.replaceAll('.', '\\.')}`)],
      ['the request line', new RegExp(`non-SMTP command from \\S+: GET /\\S*.*${VICTIM.replaceAll('.', '\\.')}`)],
      ['a pregreet', new RegExp(`PREGREET \\d+ after \\S+ from \\[192\\.0\\.2\\.\\d+\\]:\\d+: GET /.*${VICTIM.replaceAll('.', '\\.')}`)],
    ] as const)
      assert.match(postfix, re, where);
    assert.match(dovecot, new RegExp(`user=<[^\\n]*${VICTIM.replaceAll('.', '\\.')}[^\\n]*rip=192\\.0\\.2\\.`), 'an IMAP/POP3 user name');

    // Nothing the parsers read out of any line names the victim; the guard banned only the sentinels.
    for (const daemon of ['postfix', 'dovecot'] as const)
      for (const { line, e } of events(daemon))
        assert.ok(!e || !('ip' in e) || e.ip !== VICTIM, `${daemon}: ${line} -> ${JSON.stringify(e)}`);
    assert.doesNotMatch(guard.output(), new RegExp(`"ip":"${VICTIM.replaceAll('.', '\\.')}"`));
    assert.equal(await postfixLookup(stack.mta.paths, VICTIM), undefined);
    assert.equal(await postfixLookup(stack.mta.paths, SMTP_SENTINEL), BAN_REPLY);
    assert.ok(!/"event":"guard\.banned","ip":"192\.0\.2\./.test(guard.output()), 'the attackers are on GUARD_IGNORE');
  });
});
