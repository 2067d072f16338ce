import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createNetns, type Daemon, eventually, freePort, type TestNetns } from '../harness/index.ts';
import { v1, v2, v2Bytes } from './proxy-header.ts';
import { INTERNET, logOf, NEIGHBOUR, RELAY_PROBE, type Stack, startStack, swaksFrom, talk, talkAll } from './stack.ts';

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
    ['imap_v1', stack.ports.imap!, 'send-proxy'],
    ['imap_v2', stack.ports.imap!, 'send-proxy-v2'],
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

  test('attack: a trusted proxy relays a header naming loopback (v1 and v2) to get relay trust: refused by the gate', async () => {
    const connects = () => (logOf(stack, 'postfix').match(/postscreen\[\d+\]: CONNECT from/g) ?? []).length;
    const before = connects();
    for (const version of ['1', '2']) {
      const out = swaksFrom(ns, PROXY, '127.0.0.1', stack.ports.smtp, [
        ...['--proxy-version', version, '--proxy-family', version === '1' ? 'TCP4' : 'AF_INET'],
        ...['--proxy-source', '127.0.0.1', '--proxy-source-port', '40000', '--proxy-dest', '127.0.0.1', '--proxy-dest-port', '25'],
        ...RELAY_PROBE,
      ]);
      assert.doesNotMatch(out, /<- {2}220/, out);
      assert.doesNotMatch(out, /250 2\.1\.5/, out);
    }
    await eventually(
      () => (stack.gate!.output().match(/smtp connection from 127\.0\.0\.1:40000 refused:proxy-header-names-loopback/g) ?? []).length === 2,
      5000,
      'both refusals logged',
    );
    assert.equal(connects(), before, 'postfix never saw the connection');
  });

  test('attack: every other spelling of loopback, the unspecified address or no client at all is refused (v1 and v2)', async () => {
    const loopback = [
      v1('TCP4 127.0.0.1 127.0.0.1 40000 25'),
      v1('TCP4 127.254.3.4 127.0.0.1 40000 25'),
      v1('TCP6 ::1 ::1 40000 25'),
      v1('TCP6 ::ffff:127.0.0.1 ::1 40000 25'),
      v1('TCP4 0.0.0.0 127.0.0.1 40000 25'),
      v1('TCP4 0.9.9.9 127.0.0.1 40000 25'),
      v1('TCP6 :: ::1 40000 25'),
      v2('PROXY', 'TCP4', '127.0.0.1'),
      v2('PROXY', 'TCP4', '127.1.2.3'),
      v2('PROXY', 'TCP6', '::1'),
      v2('PROXY', 'TCP6', '::ffff:127.0.0.1'),
      v2('PROXY', 'TCP6', '::127.0.0.1'),
      v2('PROXY', 'TCP4', '0.0.0.0'),
      v2('PROXY', 'TCP6', '::'),
    ];
    // Headers that keep the proxy's own connection address (haproxy's reading of them), or that haproxy rejects.
    const noClient = [
      v1('UNKNOWN'),
      v1('UNKNOWN 127.0.0.1 127.0.0.1 40000 25'),
      v1('unknown'),
      v1('Unknown'),
      v2('LOCAL', 'UNSPEC'),
      v2('LOCAL', 'TCP4', '192.0.2.7'),
      v2('LOCAL', 'TCP4', '127.0.0.1'),
      v2('PROXY', 'UNSPEC'),
      v2('PROXY', 'UNIX'),
      v2('PROXY', 'UDP4', '127.0.0.1'),
    ];
    const connects = () => (logOf(stack, 'postfix').match(/postscreen\[\d+\]: CONNECT from/g) ?? []).length;
    const before = connects();
    const replies = await talkAll(ns, PROXY, '127.0.0.1', stack.ports.smtp, [...loopback, ...noClient]);
    for (const [i, r] of replies.entries()) assert.equal(r, '', `header ${i} got through: ${r}`);
    const log = () => stack.gate!.output();
    await eventually(
      () => (log().match(/refused:proxy-header-names-loopback/g) ?? []).length >= 2 + loopback.length,
      10_000,
      'every loopback header refused',
    );
    assert.equal(connects(), before, 'postfix never saw any of them');
    // LOCAL, UNKNOWN and the families haproxy keeps the connection's own address for are closed without a log line:
    // that is what a proxy's own health check (v2 LOCAL) looks like, every few seconds.
    assert.doesNotMatch(log(), /refused:proxy-header-without-client-address/);
    // The same proxy with honest headers still gets through, in both versions.
    const honest = await talkAll(ns, PROXY, '127.0.0.1', stack.ports.smtp, [
      v1('TCP4 198.51.100.7 127.0.0.1 40001 25'),
      v2('PROXY', 'TCP4', '198.51.100.8'),
    ]);
    for (const r of honest) assert.match(r, /^220[ -]/);
  });

  test('second line: postfix behind the gate never counts a proxied loopback client (or the gate itself) as mynetworks', () => {
    const internal = stack.internal!.smtp;
    // Straight to postfix's loopback port, as if the gate let one through: a header naming loopback (v1, v2), and v2
    // LOCAL, with which postfix takes the connection's own peer: the gate's address. Each names its own loopback
    // address: behind the gate loopback is not exempt from the rate limits either. (postfix refuses IPv6 headers
    // outright while its IPv6 support is off, as here and in the image.)
    for (const h of [
      ['--proxy-version', '1', '--proxy-family', 'TCP4', '--proxy-source', '127.0.0.11'],
      ['--proxy-version', '2', '--proxy-family', 'AF_INET', '--proxy-source', '127.0.0.12'],
    ]) {
      const args = [...h, '--proxy-source-port', '40000', '--proxy-dest', '127.0.0.1', '--proxy-dest-port', '25', ...RELAY_PROBE];
      const out = swaksFrom(ns, '127.0.0.1', '127.0.0.1', internal, args);
      assert.match(out, /<\*\* 554 5\.7\.1 <x@elsewhere\.test>: Relay access denied/, `${h.join(' ')}\n${out}`);
    }
    // v2 LOCAL (swaks cannot write it: the header goes in front of swaks's SMTP through a pipe).
    const header = join(stack.mta.root, 'proxy-v2-local.bin');
    writeFileSync(header, Buffer.from(v2Bytes('LOCAL', 'UNSPEC')));
    const pipe = `cat ${header} - | socat - TCP:127.0.0.1:${internal},bind=127.0.0.14`;
    const r = ns.run('swaks', ['--hide-informational', '--timeout', '15', '--pipe', pipe, ...RELAY_PROBE]);
    assert.match(r.stdout, /<\*\* 554 5\.7\.1 <x@elsewhere\.test>: Relay access denied/, `LOCAL\n${r.stdout}${r.stderr}`);
    const log = logOf(stack, 'postfix');
    for (const client of ['127\\.0\\.0\\.11', '127\\.0\\.0\\.12', '127\\.0\\.0\\.14'])
      assert.match(
        log,
        new RegExp(`reject: RCPT from [^\\[]*\\[${client}\\]: 554 5\\.7\\.1 <x@elsewhere\\.test>: Relay access denied`),
        client,
      );
    // A loopback client of the gate (the healthcheck's path) is greeted, and is not relay-trusted either.
    const local = swaksFrom(ns, '127.0.0.15', '127.0.0.1', stack.ports.smtp, RELAY_PROBE);
    assert.match(local, /<\*\* 554 5\.7\.1 <x@elsewhere\.test>: Relay access denied/, local);
  });

  test('dovecot sits behind the same gate: it sees the client behind the proxy (v1 and v2), refuses loopback headers and direct connections', async () => {
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
    const imap = stack.ports.imap!;
    const [lo1, lo2, local] = await talkAll(ns, PROXY, '127.0.0.1', imap, [
      `${v1('TCP4 127.0.0.1 127.0.0.1 40002 143')}a LOGIN alice@example.com secret\\r\\n`,
      `${v2('PROXY', 'TCP6', '::1')}a LOGIN alice@example.com secret\\r\\n`,
      `${v2('LOCAL', 'UNSPEC')}a LOGIN alice@example.com secret\\r\\n`,
    ]);
    assert.deepEqual([lo1, lo2, local], ['', '', '']);
    await eventually(
      () => /imap connection from ::1:40000 refused:proxy-header-names-loopback/.test(stack.gate!.output()),
      5000,
      'gate log',
    );
    assert.doesNotMatch(logOf(stack, 'dovecot'), /rip=(127\.0\.0\.1|::1),/);
    // Straight to the gate without being a proxy, or to dovecot's loopback port from anywhere but the gate.
    assert.doesNotMatch(talk(ns, OUT, '127.0.0.1', imap, 'a LOGOUT\\r\\n', 3), /\* OK/);
    for (const from of [OUT, PROXY]) assert.doesNotMatch(talk(ns, from, '127.0.0.1', stack.internal!.imap, 'a LOGOUT\\r\\n', 3), /\* OK/);
  });
});
