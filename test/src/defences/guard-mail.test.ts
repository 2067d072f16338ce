import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { runCaptured } from '@mta/cli/testing';
import { BAN_REPLY, postfixLookup } from '@mta/guard';
import {
  type Daemon,
  eventually,
  fileScope,
  freePort,
  hostAddresses,
  netnsWithDns,
  type Postfix,
  scaffoldConfig,
  startPostfix,
  type TestNetns,
  toSink,
} from '../harness/index.ts';
import { startGuard } from './guard-process.ts';
import { dnsblName, logOf, type Stack, startStack, swaksFrom, talk } from './stack.ts';

// A ban never loses mail, and what counts as abuse, at the default settings (GUARD_REJECTS=10, GUARD_WINDOW=10m).
// LIST is a real postfix of a mailing list with stale addresses; the others are clients that deserve a ban.
const IP = hostAddresses('192.0.2.70', ['LIST', 'HARVESTER', 'RELAYER', 'LISTED', 'SENTINEL']);

let ns: TestNetns;
let stack: Stack;
let guard: Daemon;
let list: Postfix;
let env: Record<string, string>;
const scope = fileScope();

before(async () => {
  ns = await netnsWithDns(scope, `mta-guard-ml-${process.pid}`, Object.values(IP), {
    a: { [dnsblName(IP.LISTED, 'bl.mta.test')]: ['127.0.0.2'] },
  });
  const settings = {
    MAIL_DOMAIN: 'example.com',
    MAIL_BOXES: 'alice@example.com',
    MYNETWORKS: '127.0.0.0/8',
    POSTSCREEN_DNSBL_SITES: 'bl.mta.test*3',
    POSTSCREEN_DNSBL_THRESHOLD: '3',
  };
  stack = scope.keep(await startStack(ns, settings, { dovecot: false }));
  env = { ...settings, MTA_ROOT: stack.mta.root, HOSTNAME: 'mx.example.com' };
  guard = scope.keep(await startGuard(env, [], ns));
  // The list server: its own postfix, sending everything to ours from LIST; its bounces stay with it.
  const port = await freePort();
  const etc = scaffoldConfig(await scope.dir('mta-guard-list-'), port, {
    ...toSink(stack.ports.smtp),
    smtp_bind_address: IP.LIST,
    myhostname: 'lists.sender.test',
    mydestination: 'lists.sender.test',
    local_recipient_maps: '',
    local_transport: 'discard:',
    // one session per message, so the second post is a session of its own
    smtp_connection_cache_on_demand: 'no',
  });
  list = scope.keep(await startPostfix(etc, port, ns));
});

const banned = (ip: string) => guard.output().includes(`"event":"guard.banned","ip":"${ip}"`);
// The list posts one message to these recipients (postfix sends them in this order).
const post = (to: string[]) =>
  swaksFrom(ns, '127.0.0.1', '127.0.0.1', list.port, ['--from', 'owner@lists.sender.test', '--to', to.join(','), '--body', 'news']);
const listLog = () => list.output();
const stale = (from: number, n: number) => Array.from({ length: n }, (_, i) => `gone${from + i}@example.com`);
// Everything postfix logged so far has been read by the guard once this one's pregreet ban is announced.
let sentinels = 0;
async function guardCaughtUp(): Promise<void> {
  const before = guard.output().split('"event":"guard.banned","ip":"192.0.2.74"').length;
  if (sentinels++) await runCaptured(['guard', 'unban', IP.SENTINEL], env);
  talk(ns, IP.SENTINEL, '127.0.0.1', stack.ports.smtp, 'EHLO bot\\r\\n', 1);
  await eventually(() => guard.output().split('"event":"guard.banned","ip":"192.0.2.74"').length > before, 20_000, 'sentinel ban');
}

describe('guard: a ban never loses mail; what counts as abuse (default settings)', () => {
  test('a list server with stale addresses is never banned: it had recipients accepted in the window', async () => {
    post([...stale(0, 12), 'alice@example.com']);
    await eventually(() => /to=<alice@example\.com>.*status=sent/.test(listLog()), 30_000, 'alice delivered');
    // later, a post that reaches only stale addresses: each is bounced by the list (the addresses are gone), no ban
    post(stale(12, 13));
    await eventually(() => (listLog().match(/status=bounced/g) ?? []).length >= 25, 30_000, 'the stale ones bounced');
    const session = new RegExp(`disconnect from \\S+\\[${IP.LIST.replaceAll('.', '\\.')}\\] .*rcpt=0/13`);
    await eventually(() => session.test(logOf(stack, 'postfix')), 20_000, 'a session with only stale recipients');
    await guardCaughtUp();
    assert.ok(!banned(IP.LIST), guard.output());
    assert.equal(await postfixLookup(stack.mta.paths, IP.LIST), undefined);
  });

  test('a harvest (distinct unknown recipients, none accepted) is banned', async () => {
    const out = swaksFrom(ns, IP.HARVESTER, '127.0.0.1', stack.ports.smtp, ['--to', stale(100, 10).join(','), '--from', 'a@sender.test']);
    assert.equal((out.match(/<\*\* +550 5\.1\.1 /g) ?? []).length, 10, out);
    await eventually(() => banned(IP.HARVESTER), 20_000, 'harvester banned');
    assert.match(guard.output(), /"ip":"192\.0\.2\.71".*"reason":"10 unknown recipients within 10 min, none accepted"/);
  });

  test('relay attempts, pregreets and DNSBL hits ban', async () => {
    const relay = swaksFrom(ns, IP.RELAYER, '127.0.0.1', stack.ports.smtp, [
      '--to',
      Array.from({ length: 10 }, (_, i) => `x${i}@elsewhere.test`).join(','),
      '--from',
      'a@sender.test',
      '--quit-after',
      'RCPT',
    ]);
    assert.equal((relay.match(/<\*\* +554 5\.7\.1 .*Relay access denied/g) ?? []).length, 10, relay);
    await eventually(() => banned(IP.RELAYER), 20_000, 'relayer banned');
    assert.match(guard.output(), /"ip":"192\.0\.2\.72".*"reason":"10 refusals within 10 min, last: relay reject"/);
    // a listed client: postscreen refuses each recipient (550), and that is counted
    for (let i = 0; i < 4 && !banned(IP.LISTED); i++)
      swaksFrom(ns, IP.LISTED, '127.0.0.1', stack.ports.smtp, [
        '--to',
        'alice@example.com,bob@example.com,carol@example.com',
        '--quit-after',
        'RCPT',
      ]);
    await eventually(() => banned(IP.LISTED), 20_000, 'listed client banned');
    // a pregreet bans at once
    await guardCaughtUp();
    assert.ok(banned(IP.SENTINEL));
  });

  test('a banned server gets a temporary error: its mail is deferred, never bounced, and delivered once the ban ends', async () => {
    const r = await runCaptured(['guard', 'ban', IP.LIST, '--for', '1h', '--reason', 'mistake'], env);
    assert.equal(r.code, 0, r.err);
    assert.equal(await postfixLookup(stack.mta.paths, IP.LIST), BAN_REPLY);
    const bounced = (listLog().match(/status=bounced/g) ?? []).length;
    post(['alice@example.com']);
    await eventually(
      () =>
        /to=<alice@example\.com>.*status=deferred \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 421 4\.7\.0 .*Temporarily blocked/.test(
          listLog(),
        ),
      30_000,
      'deferred with 421',
    );
    assert.equal((listLog().match(/status=bounced/g) ?? []).length, bounced, 'nothing bounced');
    assert.equal((await runCaptured(['guard', 'unban', IP.LIST], env)).code, 0);
    execFileSync('postqueue', ['-c', list.configDir, '-f']);
    await eventually(() => (listLog().match(/to=<alice@example\.com>.*status=sent/g) ?? []).length >= 2, 30_000, 'delivered after the ban');
    assert.ok(
      !/"event":"guard\.banned","ip":"192\.0\.2\.70".*"origin":"guard"/.test(guard.output()),
      'the guard itself never banned the list',
    );
  });
});
