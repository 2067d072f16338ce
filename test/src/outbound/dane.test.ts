import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { parseMailLog } from '@mta/shared';
import { drill, startDnssecResolver, tlsa311 } from '../harness/dnssec-zone.ts';
import {
  createNetns,
  type Daemon,
  eventually,
  fileScope,
  hostAddresses,
  opensslSelfSigned,
  type SeededPostfix,
  seededPostfix,
  type TestNetns,
  whenReady,
} from '../harness/index.ts';

// DANE end to end: a DNSSEC-signed zone (ldns-signzone, served by nsd) behind a validating unbound that trusts its
// anchor, in a network namespace whose resolv.conf names that unbound, as the image's does; real postfix as the seed
// renders it (SMTP_DANE=yes, the default: level dane, DNSSEC lookups); MX hosts that offer STARTTLS with a
// self-signed certificate. mx1's TLSA record matches its key, mx2's names another key, and the unsigned zone's
// mx3 publishes a wrong TLSA record too, which without DNSSEC means nothing.
const IP = hostAddresses('127.0.0.21', ['MX1', 'MX2', 'MX3']);

const cleanups = fileScope();
let ns: TestNetns;
let mx: Daemon;
let mta: SeededPostfix;

interface Received {
  host: string;
  tls: boolean;
  raw: string;
}
const received = (): Received[] =>
  mx
    .output()
    .split('\n')
    .filter((l) => l.startsWith('mail '))
    .map((l) => JSON.parse(l.slice(5)) as Received);

before(async () => {
  const dir = await cleanups.dir('mta-dane-');
  const cert = opensslSelfSigned(dir, 'mx', 'mx1.dane.test');
  const other = opensslSelfSigned(dir, 'other', 'other.test');
  const good = tlsa311(readFileSync(cert.crt, 'utf8'));
  const wrong = tlsa311(readFileSync(other.crt, 'utf8'));
  ns = createNetns(`mta-dane-${process.pid}`, Object.values(IP));
  cleanups.defer(() => ns.remove());
  const dns = await startDnssecResolver(ns, dir, [
    {
      origin: 'dane.test',
      signed: true,
      records: [
        'good MX 10 mx1',
        `mx1 A ${IP.MX1}`,
        `_25._tcp.mx1 TLSA 3 1 1 ${good}`,
        'bad MX 10 mx2',
        `mx2 A ${IP.MX2}`,
        `_25._tcp.mx2 TLSA 3 1 1 ${wrong}`,
      ],
    },
    { origin: 'plain.test', signed: false, records: ['@ MX 10 mx3', `mx3 A ${IP.MX3}`, `_25._tcp.mx3 TLSA 3 1 1 ${wrong}`] },
  ]);
  cleanups.keep(dns);
  const script = new URL('../harness/tls-sink-serve.ts', import.meta.url).pathname;
  const opts = { hosts: Object.values(IP), port: 25, cert: cert.crt, key: cert.key };
  const sink = ns.start(process.execPath, ['--conditions=source', '--import', 'tsx', script, JSON.stringify(opts)]);
  mx = cleanups.keep(
    await whenReady(sink, 'MX sink', () => eventually(() => sink.output().includes('ready') || undefined, 15_000, 'MX sink ready')),
  );
  mta = await seededPostfix({ ns, env: { MAIL_DOMAIN: 'example.com' } });
  cleanups.defer(mta.stop);
});

const send = (to: string, token: string) => {
  const r = ns.run('swaks', [
    '--hide-informational',
    '--timeout',
    '10',
    '--server',
    `127.0.0.1:${mta.port}`,
    '--from',
    'info@example.com',
    '--to',
    to,
    '--body',
    token,
  ]);
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
};

// The message with `token` arrived at `host`, over TLS.
async function deliveredOver(token: string, host: string): Promise<void> {
  const m = await eventually(() => received().find((x) => x.raw.includes(token)), 30_000, `delivery of ${token} to ${host}`);
  assert.equal(m.host, host);
  assert.equal(m.tls, true);
}

test('the test zone validates (AD) through the namespace resolver; the unsigned zone does not', () => {
  assert.match(drill(ns, 'good.dane.test', 'MX'), /;; flags: .*\bad\b/);
  assert.match(drill(ns, '_25._tcp.mx1.dane.test', 'TLSA'), /;; flags: .*\bad\b/);
  const plain = drill(ns, 'plain.test', 'MX');
  assert.match(plain, /mx3\.plain\.test/);
  assert.doesNotMatch(plain, /;; flags: .*\bad\b/);
});

test('the seed renders DANE for direct delivery: level dane, DNSSEC lookups', () => {
  assert.equal(mta.postfix.postconf('-h', 'smtp_tls_security_level').trim(), 'dane');
  assert.equal(mta.postfix.postconf('-h', 'smtp_dns_support_level').trim(), 'dnssec');
});

test('a matching TLSA record: delivered over verified TLS', async () => {
  send('user@good.dane.test', 'dane-good');
  await deliveredOver('dane-good', IP.MX1);
  assert.match(mta.postfix.output(), /Verified TLS connection established to mx1\.dane\.test\[127\.0\.0\.21\]:25/);
});

test('a mismatching TLSA record: deferred, never sent (neither in clear nor over unverified TLS)', async () => {
  send('user@bad.dane.test', 'dane-bad');
  await eventually(
    () => /to=<user@bad\.dane\.test>.*status=deferred/.test(mta.postfix.output()) || undefined,
    30_000,
    'deferral for bad.dane.test',
  );
  assert.match(
    mta.postfix.output(),
    /mx2\.dane\.test\[127\.0\.0\.22\]:25: certificate verification failed|Server certificate not verified/,
  );
  assert.equal(received().filter((x) => x.host === IP.MX2).length, 0);
  const queue = ns.run('postqueue', ['-c', mta.paths.postfixConf, '-p']);
  assert.match(queue.stdout, /user@bad\.dane\.test/);
});

test('an unsigned zone: its TLSA record is ignored, opportunistic TLS delivers', async () => {
  send('user@plain.test', 'plain-opportunistic');
  await deliveredOver('plain-opportunistic', IP.MX3);
  assert.match(mta.postfix.output(), /Untrusted TLS connection established to mx3\.plain\.test\[127\.0\.0\.23\]:25/);
});

test("postfix's own lines of these sessions are what the metrics and events count: verified, a certificate deferral, untrusted", () => {
  const classes = mta.postfix
    .output()
    .split('\n')
    .map((l) => parseMailLog(l))
    .flatMap((e) => (e?.kind === 'tls-connection' ? [e.trust] : e?.kind === 'delivery' && e.tlsPolicy ? [`deferred:${e.tlsPolicy}`] : []));
  for (const c of ['verified', 'deferred:certificate', 'untrusted']) assert.ok(classes.includes(c), `${c} in ${classes.join(' ')}`);
});

test('SMTP_DANE=no: no DNSSEC, level may: the held message leaves over unverified TLS (so DANE was what held it)', async () => {
  await mta.reseed({ MAIL_DOMAIN: 'example.com', SMTP_DANE: 'no', FORCE_CONFIG: 'yes' });
  assert.equal(mta.postfix.postconf('-h', 'smtp_tls_security_level').trim(), 'may');
  assert.equal(existsSync(mta.paths.unboundConf), false);
  ns.run('postqueue', ['-c', mta.paths.postfixConf, '-f']);
  await deliveredOver('dane-bad', IP.MX2);
});
