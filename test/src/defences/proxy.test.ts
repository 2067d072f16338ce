import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createNetns, type Daemon, eventually, freePort, type TestNetns } from '../harness/index.ts';
import { INTERNET, logOf, NEIGHBOUR, RELAY_PROBE, type Stack, startStack, swaksFrom, talk } from './stack.ts';

// Addresses inside the namespace: the proxy (Traefik's stand-in, a real HAProxy speaking PROXY v1 and v2), clients
// on the internet, and a neighbour in MYNETWORKS.
const PROXY = '172.30.0.10';
const [OUT, OUT_RATE, OUT_OTHER] = INTERNET;

let ns: TestNetns;
let stack: Stack;
let proxy: Daemon;
const via: Record<string, number> = {};

before(async () => {
  ns = createNetns(`mta-guard-px-${process.pid}`, [PROXY, OUT, OUT_RATE, OUT_OTHER, NEIGHBOUR]);
  stack = await startStack(ns, {
    MAIL_DOMAIN: 'example.com',
    MAIL_BOXES: 'info@example.com',
    SMTPD_SASL_CLIENTAUTH: 'alice@example.com:{plain}secret',
    SMTPD_USE_TLS: 'yes',
    VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
    TRUSTED_PROXIES: PROXY,
    MYNETWORKS: `127.0.0.0/8 10.9.0.0/16`,
    SMTPD_CLIENT_CONNECTION_RATE_LIMIT: '2',
  });
  const routes: [string, number, string][] = [
    ['smtp_v1', stack.ports.smtp, 'send-proxy'],
    ['smtp_v2', stack.ports.smtp, 'send-proxy-v2'],
    ['imap_v1', stack.dovecot!.ports.imap, 'send-proxy'],
    ['imap_v2', stack.dovecot!.ports.imap, 'send-proxy-v2'],
  ];
  const cfg = ['global', '  maxconn 100', 'defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s'];
  for (const [name, to, how] of routes) {
    via[name] = await freePort();
    cfg.push(`frontend ${name}`, `  bind ${PROXY}:${via[name]}`, `  default_backend ${name}`);
    cfg.push(`backend ${name}`, `  server s 127.0.0.1:${to} ${how} source ${PROXY}`);
  }
  const file = join(stack.mta.root, 'test-proxy.cfg');
  writeFileSync(file, `${cfg.join('\n')}\n`);
  proxy = ns.start('haproxy', ['-db', '-f', file]);
  // Probed from loopback: the probe's own address must not look like the proxy's in the daemons' logs.
  await eventually(() => ns.run('nc', ['-z', '-s', '127.0.0.1', PROXY, String(via.imap_v2)]).status === 0, 10_000, 'test proxy');
});

after(async () => {
  await proxy?.stop();
  await stack?.stop();
  ns?.remove();
});

describe('PROXY protocol behind TRUSTED_PROXIES', () => {
  test('postfix sees the client behind the proxy (v1 and v2) in its log and in the relay decision', () => {
    for (const v of ['smtp_v1', 'smtp_v2']) {
      const outside = swaksFrom(ns, OUT, PROXY, via[v]!, RELAY_PROBE);
      assert.match(outside, /<\*\* 554 5\.7\.1 <x@elsewhere\.test>: Relay access denied/, outside);
      const neighbour = swaksFrom(ns, NEIGHBOUR, PROXY, via[v]!, RELAY_PROBE);
      assert.match(neighbour, /<- {2}250 2\.1\.5 Ok/, neighbour);
    }
    const log = logOf(stack, 'postfix');
    assert.match(log, /postfix\/postscreen\[\d+\]: CONNECT from \[192\.0\.2\.66\]:\d+/);
    assert.match(
      log,
      /postfix\/smtpd\[\d+\]: NOQUEUE: reject: RCPT from unknown\[192\.0\.2\.66\]: 554 5\.7\.1 <x@elsewhere\.test>: Relay access denied/,
    );
    assert.match(log, /connect from unknown\[10\.9\.0\.5\]/);
    // 172.30.0.10 is only the address the proxy was reached at ("to"), never a client.
    assert.match(log, /CONNECT from \[192\.0\.2\.66\]:\d+ to \[172\.30\.0\.10\]/);
    assert.doesNotMatch(log, /(from|unknown)\[172\.30\.0\.10\]/);
  });

  test("rate limits count the client's address, not the proxy's", () => {
    const hello = () => swaksFrom(ns, OUT_RATE, PROXY, via.smtp_v2!, ['--quit-after', 'EHLO']);
    assert.match(hello(), /<- {2}250/);
    assert.match(hello(), /<- {2}250/);
    assert.match(hello(), /421 4\.7\.0 .*Error: too many connections from 192\.0\.2\.67/);
    // another client through the same proxy is not affected
    assert.match(swaksFrom(ns, OUT_OTHER, PROXY, via.smtp_v2!, ['--quit-after', 'EHLO']), /<- {2}250/);
    assert.match(logOf(stack, 'postfix'), /warning: Connection rate limit exceeded: 3 from unknown\[192\.0\.2\.67\] for service/);
  });

  test('refused: a client that is not a trusted proxy, a trusted proxy without a header; loopback connects directly', async () => {
    assert.equal(talk(ns, OUT, '127.0.0.1', stack.ports.smtp, 'EHLO x\\r\\n'), '');
    assert.equal(talk(ns, PROXY, '127.0.0.1', stack.ports.smtp, 'EHLO x\\r\\n'), '');
    assert.match(talk(ns, '127.0.0.1', '127.0.0.1', stack.ports.smtp, 'QUIT\\r\\n'), /^220 /);
    await eventually(
      () => /haproxy: smtp connection from 192\.0\.2\.66:\d+ refused:not-a-trusted-proxy/.test(stack.gate!.output()),
      5000,
      'gate log',
    );
    assert.match(stack.gate!.output(), /172\.30\.0\.10:\d+ .*(PROXY|proxy)/i);
  });

  test('dovecot sees the client behind the proxy (v1 and v2) and refuses direct connections', async () => {
    // TLS is on, so the plaintext LOGIN is refused: what matters is the address dovecot logs for it.
    for (const [v, from] of [
      ['imap_v1', OUT],
      ['imap_v2', OUT_OTHER],
    ] as const) {
      const out = talk(ns, from, PROXY, via[v]!, 'a LOGIN alice@example.com secret\\r\\nb LOGOUT\\r\\n');
      assert.match(out, /^\* OK/m, out);
      await eventually(
        () => new RegExp(`imap-login: .*rip=${from.replace(/\./g, '\\.')}, lip=`).test(logOf(stack, 'dovecot')),
        5000,
        `${v} line`,
      );
    }
    assert.doesNotMatch(logOf(stack, 'dovecot'), /rip=172\.30\.0\.10/);
    assert.doesNotMatch(talk(ns, OUT, '127.0.0.1', stack.dovecot!.ports.imap, 'a LOGOUT\\r\\n', 3), /\* OK/);
    assert.doesNotMatch(talk(ns, PROXY, '127.0.0.1', stack.dovecot!.ports.imap, 'a LOGOUT\\r\\n', 3), /\* OK/);
  });
});
