import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { DOVECOT_DELIVERY, startDovecot } from '../dovecot/start-dovecot.ts';
import {
  fileScope,
  LDAP_LOOKUP_ENV,
  LDAP_READER,
  type SeededPostfix,
  type SenderMilter,
  seededPostfix,
  startSlapd,
} from '../harness/index.ts';
import { dataReply, type Login, submit } from './submit.ts';

const cleanups = fileScope();

// One login per kind the issue names: a password-file login limited to its own address (the "alice"), an LDAP
// login, an application login held to an @domain list, an application left free, and an LDAP login listed in
// SMTPD_SASL_SENDERS (a satellite MTA relaying other users' mail).
const MALLORY: Login = { user: 'mallory', password: 'mallory-pw-1' };
const ALICE: Login = { user: 'alice', password: 'alice-pw' };
const APP: Login = { user: 'newsapp', password: 'news-pw-1' };
const FREE: Login = { user: 'scanner', password: 'scanner-pw-1' };
const SATELLITE: Login = { user: 'bob', password: 'bob-pw' };

const QUEUED = /^250 2\.0\.0 Ok: queued/;
const REFUSED = (field: string) => new RegExp(`^550 5\\.7\\.1 ${field}: names a sender this login may not use$`);

describe('submission: authenticated mail carries only sender headers its login owns (sender milter + postfix check)', () => {
  let mta: SeededPostfix;
  let milter: SenderMilter;
  before(async () => {
    const dir = await cleanups.dir();
    const slapd = cleanups.keep(await startSlapd(dir, { bindRequired: true }));
    mta = cleanups.keep(
      await seededPostfix({
        env: {
          ...DOVECOT_DELIVERY,
          MAIL_DOMAIN: 'example.com other.test',
          MAIL_BOXES: 'mallory@example.com victim@other.test',
          SMTPD_SASL_CLIENTAUTH: `${MALLORY.user}:{plain}${MALLORY.password} ${APP.user}:{plain}${APP.password} ${FREE.user}:{plain}${FREE.password}`,
          SMTPD_SASL_SENDERS: `${MALLORY.user}:mallory@example.com ${APP.user}:@news.example.com,noreply@example.com ${SATELLITE.user}:@example.com`,
          LDAP_HOST: slapd.url,
          LDAP_USER_BASE: LDAP_LOOKUP_ENV.LDAP_USER_BASE,
          LDAP_QUERY_FILTER_USER: LDAP_LOOKUP_ENV.LDAP_QUERY_FILTER_USER,
          LDAP_QUERY_FILTER_ALIAS: LDAP_LOOKUP_ENV.LDAP_QUERY_FILTER_ALIAS,
          LDAP_QUERY_ATTRS_PASS: 'uid=user',
          LDAP_BIND_DN: LDAP_READER.dn,
          LDAP_BIND_PW: LDAP_READER.password,
          DOVECOT_AUTH_FAILURE_DELAY: '0',
        },
      }),
    );
    cleanups.keep(await startDovecot(mta.paths));
    // Started by the harness, as runit does in the image, because the seed wired it.
    const m = mta.milter();
    assert.ok(m, 'the seed wired the sender milter');
    milter = m;
  });

  const send = (login: Login, envelope: string, headers: string[], port = mta.ports.submission!, tls: '--tls' | '--tlsc' = '--tls') =>
    submit({ port, tls, login, envelope, headers: [...headers, 'To: someone@elsewhere.test', 'Subject: t'] });

  test("password-file login: its own From passes on 587 and 465; a hosted domain's boss, Sender or Resent-From is refused", async () => {
    for (const [port, tls] of [
      [mta.ports.submission!, '--tls'],
      [mta.ports.smtps!, '--tlsc'],
    ] as const) {
      assert.match(dataReply(await send(MALLORY, 'mallory@example.com', ['From: Mallory <mallory@example.com>'], port, tls)), QUEUED);
      assert.match(dataReply(await send(MALLORY, 'mallory@example.com', ['From: Boss <victim@other.test>'], port, tls)), REFUSED('From'));
    }
    const cases: [string[], string][] = [
      [['From: mallory@example.com', 'Sender: victim@other.test'], 'Sender'],
      [['From: mallory@example.com', 'Resent-From: victim@other.test'], 'Resent-From'],
      [['From: mallory@example.com', 'Resent-Sender: Boss <boss@example.com>'], 'Resent-Sender'],
      // Case and comments change nothing; a display name holding an address is only a name.
      [['From: "mallory@example.com" <VICTIM@Other.Test> (mallory)'], 'From'],
    ];
    for (const [headers, field] of cases)
      assert.match(dataReply(await send(MALLORY, 'mallory@example.com', headers)), REFUSED(field), headers.join(' | '));
  });

  test('two From fields, a From with several addresses, a group or an unreadable From: refused before the queue', async () => {
    const cases: [string[], RegExp][] = [
      [['From: mallory@example.com', 'From: victim@other.test'], /^550 5\.7\.1 message has more than one From: header$/],
      [['From: mallory@example.com', 'FROM: mallory@example.com'], /^550 5\.7\.1 message has more than one From: header$/],
      [['From: mallory@example.com, victim@other.test'], /^550 5\.7\.1 From: must name exactly one address$/],
      [
        ['From: mallory@example.com', 'Sender: mallory@example.com, victim@other.test'],
        /^550 5\.7\.1 Sender: must name exactly one address$/,
      ],
      [['From: team: mallory@example.com;'], /^550 5\.7\.1 From: header is not a plain list of addresses$/],
      [['From: victim@other.test <mallory@example.com>'], /^550 5\.7\.1 From: header is not a plain list of addresses$/],
      [['From: "a>b" <mallory@example.com>'], /^550 5\.7\.1 From: header is not a plain list of addresses$/],
    ];
    for (const [headers, want] of cases)
      assert.match(dataReply(await send(MALLORY, 'mallory@example.com', headers)), want, headers.join(' | '));
  });

  test('commas, white space and quotes in a local part add no owner: envelope and header, primary and other domain', async () => {
    // The same-named-login rule once split its answer on commas: "x,alice,y"@other.test was alice's.
    for (const domain of ['example.com', 'other.test']) {
      for (const local of ['"x,alice,y"', '"x alice"', '"alice,"', '"x\\"alice"', '"x\talice"']) {
        const addr = `${local}@${domain}`;
        const env = await send(ALICE, addr, ['From: alice@example.com']);
        assert.match(
          env.output,
          /<~\*\s+553 5\.7\.1 .*Sender address rejected: not owned by user alice/,
          `envelope ${addr}:\n${env.output}`,
        );
        // In the header: not owned (asked in the quoted form), or, with a control character, not read at all.
        assert.match(dataReply(await send(ALICE, 'alice@example.com', [`From: ${addr}`])), /^550 5\.7\.1 From: /, `From ${addr}`);
        assert.match(
          (await send(MALLORY, addr.replace('alice', 'mallory'), ['From: mallory@example.com'])).output,
          /<~\*\s+5\d\d 5\.7\.1 /,
        );
      }
    }
  });

  test("LDAP login: its mail and its alias pass, another user's address is refused", async () => {
    assert.match(dataReply(await send(ALICE, 'alice@example.com', ['From: Alice <alice@example.com>'])), QUEUED);
    assert.match(dataReply(await send(ALICE, 'alice@example.com', ['From: info@example.com'])), QUEUED);
    assert.match(dataReply(await send(ALICE, 'alice@example.com', ['From: Bob <bob@example.com>'])), REFUSED('From'));
    assert.match(
      dataReply(await send(ALICE, 'alice@example.com', ['From: alice@example.com', 'Sender: mallory@example.com'])),
      REFUSED('Sender'),
    );
  });

  test('application with an @domain list: its domain and listed address pass, nothing else; an unlisted application is free', async () => {
    assert.match(dataReply(await send(APP, 'alerts@news.example.com', ['From: News <alerts@news.example.com>'])), QUEUED);
    assert.match(dataReply(await send(APP, 'alerts@news.example.com', ['From: noreply@example.com'])), QUEUED);
    for (const from of [
      'ceo@example.com',
      'x@sub.news.example.com',
      'alerts@news.example.com.evil.test',
      '"alerts@news.example.com"@evil.test',
    ])
      assert.match(dataReply(await send(APP, 'alerts@news.example.com', [`From: ${from}`])), /^550 5\.7\.1 From: /, from);
    // Its envelope is held to the same list (postfix's own rule).
    assert.match(
      (await send(APP, 'ceo@example.com', ['From: alerts@news.example.com'])).output,
      /<~\*\s+5\d\d 5\.7\.1 .*not allowed for this login/,
    );
    assert.match(dataReply(await send(FREE, 'scanner@example.com', ['From: Anyone <victim@other.test>'])), QUEUED);
  });

  test('SMTPD_SASL_SENDERS names an LDAP login too: the satellite relays other users of its domain, nothing else', async () => {
    assert.match(dataReply(await send(SATELLITE, 'alice@example.com', ['From: Alice <alice@example.com>'])), QUEUED);
    assert.match(dataReply(await send(SATELLITE, 'mallory@example.com', ['From: mallory@example.com', 'Sender: bob@example.com'])), QUEUED);
    assert.match(dataReply(await send(SATELLITE, 'bob@example.com', ['From: victim@other.test'])), REFUSED('From'));
    assert.match((await send(SATELLITE, 'victim@other.test', ['From: bob@example.com'])).output, /<~\*\s+5\d\d 5\.7\.1 /);
  });

  test('hostile headers: the milter answers every one, keeps running, and still accepts an owned message', async () => {
    const pid = milter.proc.pid;
    const refused = [
      `From: ${'('.repeat(500)}x${')'.repeat(500)} <mallory@example.com>`,
      `From: ${Array.from({ length: 200 }, (_, i) => `u${i}@other.test`).join(', ')}`,
      'From: =?utf-8?b?bWFsbG9yeUBleGFtcGxlLmNvbQ==?=',
      'From: <mallory@example.com',
      'From: mallory@[127.0.0.1]',
      'From: <@relay.test:mallory@example.com>',
      `From: ${'a'.repeat(7000)}@example.com`,
      'From: mall\u00f6ry@example.com',
      'From: <>',
      'From:',
      'From: mallory@example.com\r\n\tvictim@other.test',
    ];
    for (const h of refused) assert.match(dataReply(await send(MALLORY, 'mallory@example.com', [h])), /^550 5\.7\.1 /, h.slice(0, 80));
    const many = Array.from({ length: 40 }, (_, i) => `Resent-From: r${i}@example.com`);
    assert.match(dataReply(await send(MALLORY, 'mallory@example.com', ['From: mallory@example.com', ...many])), /^550 5\.7\.1 too many/);
    // Odd but owned: names full of quoted pairs, RFC 2047 names, folded lines.
    for (const h of [
      `From: "${'\\\\'.repeat(1500)}" <mallory@example.com>`,
      'From: =?utf-8?q?B=C3=B6ss=2C_The?= <mallory@example.com>',
      'From: Mallory\r\n  <mallory@example.com>',
    ])
      assert.match(dataReply(await send(MALLORY, 'mallory@example.com', [h])), QUEUED, h.slice(0, 80));
    assert.equal(milter.proc.pid, pid);
    assert.equal(milter.proc.exitCode, null);
    // It parses hostile text as its own user, never as root.
    const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    assert.equal(uid?.[2], execFileSync('id', ['-u', 'mta-milter'], { encoding: 'utf8' }).trim());
  });

  test('the milter down: submissions are deferred (4xx), never passed unchecked; back up, they flow', async () => {
    await milter.stop();
    const down = await send(MALLORY, 'mallory@example.com', ['From: victim@other.test']);
    assert.match(down.output, /<[~*]*\s+4\d\d /, down.output);
    assert.doesNotMatch(down.output, /250 2\.0\.0 Ok: queued/);
    await milter.restart();
    assert.match(dataReply(await send(MALLORY, 'mallory@example.com', ['From: mallory@example.com'])), QUEUED);
  });

  test('the check service takes no mail: with any login it refuses every recipient', async () => {
    const sock = join(mta.paths.postfixQueue, 'public', 'mta-sender-check');
    const transcript = await new Promise<string>((resolve) => {
      const s = connect(sock);
      let out = '';
      const lines = [
        'EHLO x',
        'XCLIENT LOGIN=mallory',
        'EHLO x',
        'MAIL FROM:<mallory@example.com>',
        'RCPT TO:<someone@elsewhere.test>',
        'DATA',
        'QUIT',
      ];
      s.on('data', (d) => {
        out += d;
        const replies = out.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
        if (replies > 0 && replies <= lines.length) s.write(`${lines[replies - 1]}\r\n`);
      });
      s.on('close', () => resolve(out));
    });
    assert.match(transcript, /\r\n554 5\.7\.1 <someone@elsewhere\.test>: Recipient address rejected: Access denied\r\n/);
    assert.doesNotMatch(transcript, /^354 /m);
  });
});
