import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Outbound } from '@mta/mta-sts';
import { type Relay, startRelay } from '@mta/mta-sts/tlsrpt/relay';
import { TlsRptService } from '@mta/mta-sts/tlsrpt/service';
import { readDaemonFact, submitMail } from '@mta/shared';
import { type DnsServer, startDns } from '../harness/dns.ts';
import { createNetns, type Daemon, eventually, memoryLogger, type SeededPostfix, startNsDns, type TestNetns } from '../harness/index.ts';
import { type PolicyServer, policyText, startPolicyServer } from './policy-server.ts';
import { deferredLine, sendThrough, sinkMessages, startSink, stopAll, stsOutbound, stsPostfix } from './sts-net.ts';

// TLS-RPT end to end: the seed turns postfix's libtlsrpt on (TLSRPT_REPORTS=yes); postfix delivers under MTA-STS
// enforce policies to MX hosts in a private namespace, one of which shows a certificate for another name; the Perl
// receiver relays postfix's datagrams to the report service, whose report of the day goes, through the same
// postfix, to the rua mailbox of each domain's _smtp._tls record (another MX host, which keeps the message).
const GOOD_IP = '127.0.0.31';
const WRONG_IP = '127.0.0.32';
const RUA_IP = '127.0.0.33';
const RUA = 'tls@reports.test';
const TLSRPT = `v=TLSRPTv1; rua=mailto:${RUA}`;

// What the file starts once (before) and stops (after).
let ns: TestNetns;
let mta: SeededPostfix;
let srv: PolicyServer;
const up: { nsDns?: Daemon; dns?: DnsServer; outbound?: Outbound; relay?: Relay; service?: TlsRptService } = {};
const sinks: Record<string, Daemon> = {};
const log: string[] = [];
let clock = Date.now();

before(async () => {
  ns = createNetns(`tlsrpt-${process.pid}`, [GOOD_IP, WRONG_IP, RUA_IP]);
  const txt = { '_smtp._tls.good.test': [TLSRPT], '_smtp._tls.wrong.test': [TLSRPT] };
  up.nsDns = await startNsDns(ns, {
    mx: { 'good.test': ['mx.good.test'], 'wrong.test': ['mx.wrong.test'], 'reports.test': ['mx.reports.test'] },
    a: { 'mx.good.test': [GOOD_IP], 'mx.wrong.test': [WRONG_IP], 'mx.reports.test': [RUA_IP] },
    txt,
  });
  srv = await startPolicyServer(['mta-sts.good.test', 'mta-sts.wrong.test']);
  const dns = await startDns({
    ttl: 60,
    txt: { ...txt, '_mta-sts.good.test': ['v=STSv1; id=1'], '_mta-sts.wrong.test': ['v=STSv1; id=1'] },
  });
  up.dns = dns;
  srv.served.set('good.test', { body: policyText('enforce', ['mx.good.test'], 86400) });
  srv.served.set('wrong.test', { body: policyText('enforce', ['mx.wrong.test'], 86400) });
  sinks.good = await startSink(ns, 'good', GOOD_IP, srv.issue(['mx.good.test']));
  sinks.wrong = await startSink(ns, 'wrong', WRONG_IP, srv.issue(['mx.other.test']));
  sinks.rua = await startSink(ns, 'rua', RUA_IP, undefined, true);
  // Every handshake reported: postfix skips resumed TLS sessions by default, and the three deliveries below would
  // resume the first one's.
  mta = await stsPostfix(ns, srv, { MAIL_DOMAIN: 'example.com', TLSRPT_REPORTS: 'yes' }, ['smtp_tlsrpt_skip_reused_handshakes=no']);
  const settings = JSON.parse(readFileSync(mta.paths.mtaStsConf, 'utf8')) as { tlsrpt?: string };
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
  const service = new TlsRptService({
    stateDir: mta.paths.tlsRptState,
    reporter: { org: 'Example Mail', email: 'tls-reports@example.com', node: 'mx1' },
    log: memoryLogger(log),
    txt: async (name) => (await resolver.resolveTxt(name).catch(() => [] as string[][])).map((c) => c.join('')),
    submit: (raw, from, to) => submitMail(raw, from, to, mta.paths.postfixConf),
    post: async () => assert.fail('no https rua here'),
    now: () => clock,
    node: 'mx1',
    passMs: 3_600_000,
  });
  up.service = service;
  await service.start();
  up.relay = startRelay(settings.tlsrpt ?? 'unset', (d) => service.take(d), memoryLogger(log));
  await up.relay.ready;
  up.outbound = await stsOutbound(mta, dns, srv, log, { postfixVersion: (await readDaemonFact('/')).postfix, tlsrpt: true });
  ns.run('postfix', ['-c', mta.paths.postfixConf, 'reload']);
});

after(async () => {
  await stopAll(up.outbound, up.relay, up.service, mta, ...Object.values(sinks), up.nsDns, up.dns, srv);
  ns?.remove();
});

interface Report {
  'organization-name': string;
  'date-range': { 'start-datetime': string; 'end-datetime': string };
  'report-id': string;
  policies: {
    policy: { 'policy-type': string; 'policy-string'?: string[]; 'policy-domain': string; 'mx-host'?: string[] };
    summary: { 'total-successful-session-count': number; 'total-failure-session-count': number };
    'failure-details'?: {
      'result-type': string;
      'receiving-ip'?: string;
      'receiving-mx-hostname'?: string;
      'failed-session-count': number;
    }[];
  }[];
}

// The report in a message the rua mailbox got: its headers, and the JSON of its application/tlsrpt+gzip part.
function openReport(data: string): { head: string; report: Report } {
  const raw = Buffer.from(data, 'base64').toString('utf8').replace(/\r\n/g, '\n');
  const head = raw.slice(0, raw.indexOf('\n\n'));
  const part = raw.split(/\nContent-Type: application\/tlsrpt\+gzip[^\n]*\n/)[1] ?? '';
  const b64 = (part.split('\n\n')[1] ?? '').split('\n--')[0] ?? '';
  return { head, report: JSON.parse(gunzipSync(Buffer.from(b64.replace(/\s/g, ''), 'base64')).toString('utf8')) as Report };
}

test('the seed turns postfix TLSRPT on, reporting to the sidecar socket', () => {
  assert.equal(mta.postfix.postconf('-h', 'smtp_tlsrpt_enable').trim(), 'yes');
  assert.equal(mta.postfix.postconf('-h', 'smtp_tlsrpt_socket_name').trim(), join(mta.paths.mtaStsRun, 'tlsrpt.sock'));
});

test("a day's sessions: three verified deliveries and a name mismatch under enforce; one report per domain reaches the rua", async () => {
  for (const n of [1, 2, 3]) sendThrough(ns, mta, `user${n}@good.test`);
  sendThrough(ns, mta, 'user@wrong.test');
  await eventually(() => sinkMessages(sinks.good).length === 3, 30_000, 'three deliveries to good.test');
  await deferredLine(mta, 'user@wrong.test', /certificate|verif/i);
  // No more attempts: the deferred message goes, and what postfix tried is what the report must say.
  ns.run('postsuper', ['-c', mta.paths.postfixConf, '-d', 'ALL']);
  await new Promise((r) => setTimeout(r, 1500));
  const attempts = mta.postfix
    .output()
    .split('\n')
    .filter((l) => l.includes('to=<user@wrong.test>') && l.includes('status=deferred')).length;
  await up.service?.runOnce();
  // The day is over: the reports go out (through postfix, to mx.reports.test).
  clock += 86_400_000;
  await up.service?.runOnce();
  const reports = await eventually(
    () => {
      const got = sinkMessages(sinks.rua).filter((m) => m.to.includes(RUA) && m.data);
      return got.length >= 2 ? got.map((m) => openReport(m.data ?? '')) : undefined;
    },
    30_000,
    'two reports at the rua mailbox',
  ).catch((e: Error) => {
    // What the service and postfix said, to see which step it was.
    throw new Error(`${e.message}\n${log.join('').slice(-4000)}\n${mta.postfix.output().slice(-4000)}`);
  });
  const byDomain = Object.fromEntries(reports.map((r) => [/^TLS-Report-Domain: (.*)$/m.exec(r.head)?.[1], r]));
  assert.deepEqual(Object.keys(byDomain).sort(), ['good.test', 'wrong.test']);
  const good = byDomain['good.test'];
  assert.ok(good);
  assert.match(good.head, /^TLS-Report-Submitter: example\.com$/m);
  assert.match(good.head, /^Content-Type: multipart\/report; report-type="tlsrpt"/m);
  assert.equal(good.report['organization-name'], 'Example Mail');
  assert.deepEqual(good.report.policies, [
    {
      policy: {
        'policy-type': 'sts',
        'policy-string': ['version: STSv1', 'mode: enforce', 'mx: mx.good.test', 'max_age: 86400'],
        'policy-domain': 'good.test',
        'mx-host': ['mx.good.test'],
      },
      summary: { 'total-successful-session-count': 3, 'total-failure-session-count': 0 },
    },
  ]);
  const wrong = byDomain['wrong.test']?.report.policies;
  assert.equal(wrong?.length, 1);
  assert.equal(wrong?.[0]?.policy['policy-type'], 'sts');
  assert.deepEqual(wrong?.[0]?.summary, { 'total-successful-session-count': 0, 'total-failure-session-count': attempts });
  const details: NonNullable<Report['policies'][number]['failure-details']> = wrong?.[0]?.['failure-details'] ?? [];
  assert.deepEqual(
    details.map((d) => [d['result-type'], d['receiving-ip'], d['failed-session-count']]),
    [['certificate-host-mismatch', WRONG_IP, attempts]],
    JSON.stringify(details),
  );
  // Sent once: another pass (or a restart) sends nothing more.
  await up.service?.runOnce();
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(sinkMessages(sinks.rua).filter((m) => m.to.includes(RUA)).length, 2);
  assert.match(log.join(''), /"event":"tlsrpt\.report_sent","domain":"good\.test"/);
});
