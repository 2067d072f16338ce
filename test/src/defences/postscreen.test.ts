import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { eventually, fileScope, hostAddresses, netnsWithDns, type TestNetns } from '../harness/index.ts';
import { dnsblName, logOf, type Stack, startStack, swaksFrom, talk } from './stack.ts';

// Clients "on the internet" and what the test DNS server says about them: LISTED is on the block list, GOOD is on
// both the block list and the allow list (the allow list wins), CLEAN on none, BOT talks before the greeting.
const IP = hostAddresses('192.0.2.20', ['LISTED', 'GOOD', 'CLEAN', 'BOT']);

let ns: TestNetns;
let stack: Stack;
const scope = fileScope();

before(async () => {
  ns = await netnsWithDns(scope, `mta-guard-ps-${process.pid}`, Object.values(IP), {
    a: {
      [dnsblName(IP.LISTED, 'bl.mta.test')]: ['127.0.0.2'],
      [dnsblName(IP.GOOD, 'bl.mta.test')]: ['127.0.0.2'],
      [dnsblName(IP.GOOD, 'wl.mta.test')]: ['127.0.10.2'],
    },
  });
  stack = await startStack(
    ns,
    {
      MAIL_DOMAIN: 'example.com',
      MAIL_BOXES: 'info@example.com',
      MYNETWORKS: '127.0.0.0/8',
      POSTSCREEN_DNSBL_SITES: 'bl.mta.test*3 wl.mta.test=127.0.[0..255].[1..3]*-5',
      POSTSCREEN_DNSBL_THRESHOLD: '3',
      POSTSCREEN_DNSBL_ALLOWLIST_THRESHOLD: '-1',
      POSTSCREEN_GREET_WAIT: '2s',
    },
    { dovecot: false },
  );
  scope.keep(stack);
});

const send = (from: string) =>
  swaksFrom(ns, from, '127.0.0.1', stack.ports.smtp, ['--to', 'info@example.com', '--from', 'someone@sender.test', '--body', 'hello']);

describe('postscreen on port 25 with weighted DNSBL/DNSWL and the pregreet test', () => {
  test('a client on the block list is refused', () => {
    const out = send(IP.LISTED);
    assert.match(out, /<\*\* 550 5\.7\.1 Service unavailable; client \[192\.0\.2\.20\] blocked using bl\.mta\.test/, out);
    assert.match(logOf(stack, 'postfix'), /postscreen\[\d+\]: DNSBL rank 3 for \[192\.0\.2\.20\]:\d+/);
  });

  test('a client on the allow list passes, although the block list has it too', () => {
    const out = send(IP.GOOD);
    assert.match(out, /<- {2}250 2\.0\.0 Ok: queued as/, out);
    assert.match(logOf(stack, 'postfix'), /postscreen\[\d+\]: (ALLOWLISTED|PASS NEW) \[192\.0\.2\.21\]/);
    assert.match(send(IP.CLEAN), /<- {2}250 2\.0\.0 Ok: queued as/);
  });

  test('a client that talks before the greeting is dropped', async () => {
    const out = talk(ns, IP.BOT, '127.0.0.1', stack.ports.smtp, 'EHLO bot.example\\r\\n', 4);
    // At most the first line of the multi-line greeting reaches it: postscreen resets the connection, and the reset
    // may discard that line and the 521 before the client reads them.
    assert.match(out, /^(220-|$)/, out);
    assert.doesNotMatch(out, /^(220 |250)/m);
    await eventually(
      () =>
        /PREGREET \d+ after \S+ from \[192\.0\.2\.23\]:(\d+): EHLO bot\.example.*\n.*postscreen\[\d+\]: DISCONNECT \[192\.0\.2\.23\]:\1/.test(
          logOf(stack, 'postfix'),
        ),
      5000,
      'PREGREET, then DISCONNECT',
    );
  });

  test('verdicts are cached in the data directory (on /srv in the image)', () => {
    assert.equal(stack.mta.postfix.postconf('-h', 'postscreen_cache_map').trim(), 'btree:$data_directory/postscreen_cache');
    assert.match(logOf(stack, 'postfix'), /cache btree:\S+\/var\/lib\/postfix\/postscreen_cache/);
  });
});
