import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Outbound } from '@mta/mta-sts';
import { parseMailLog, readDaemonFact, versionAtLeast } from '@mta/shared';
import { type DnsServer, startDns } from '../harness/dns.ts';
import { createNetns, type Daemon, eventually, hostAddresses, type SeededPostfix, startNsDns, type TestNetns } from '../harness/index.ts';
import { type PolicyServer, policyText, startPolicyServer } from './policy-server.ts';
import { deferredLine, sendThrough, sinkMessages, startSink, stsOutbound, stsPostfix } from './sts-net.ts';

// Outbound MTA-STS end to end: postfix (the seed's configuration) looks up MX records on the test DNS server of a
// private namespace and delivers to MX hosts there; it asks the mta-sts policy source over its socketmap, which reads
// the _mta-sts records from the test DNS server and fetches policies from a local HTTPS server with a test CA.
const IP = hostAddresses('127.0.0.21', ['GOOD', 'WRONG', 'PLAIN']);

let ns: TestNetns;
let nsDns: Daemon;
let dns: DnsServer;
let srv: PolicyServer;
let mta: SeededPostfix;
let outbound: Outbound;
const sinks: Record<string, Daemon> = {};
const log: string[] = [];
let postfixVersion: string | undefined;

const policies: Record<string, { mode: string; mx: string[]; maxAge?: number }> = {
  'good.test': { mode: 'enforce', mx: ['mx.good.test'] },
  'wrong.test': { mode: 'enforce', mx: ['mx.wrong.test'] },
  'plain.test': { mode: 'enforce', mx: ['mx.plain.test'] },
  'testing.test': { mode: 'testing', mx: ['mx.testing.test'] },
  // The MX record names a host outside the policy's patterns (whose certificate still names an allowed one).
  'mxpat.test': { mode: 'enforce', mx: ['mx.mxpat.test'] },
  // Its policy lives 2 s; its MX offers no STARTTLS.
  'short.test': { mode: 'enforce', mx: ['mx.short.test'], maxAge: 2 },
};

const sink = (name: string, host: string, cert?: { keyPem: string; chainPem: string }) => startSink(ns, name, host, cert);

before(async () => {
  ns = createNetns(`mta-sts-${process.pid}`, Object.values(IP));
  nsDns = await startNsDns(ns, {
    mx: {
      'good.test': ['mx.good.test'],
      'wrong.test': ['mx.wrong.test'],
      'plain.test': ['mx.plain.test'],
      'testing.test': ['mx.testing.test'],
      'mxpat.test': ['evil.mxpat.test'],
      'short.test': ['mx.short.test'],
    },
    a: {
      'mx.good.test': [IP.GOOD],
      'mx.wrong.test': [IP.WRONG],
      'mx.plain.test': [IP.PLAIN],
      'mx.testing.test': [IP.PLAIN],
      'evil.mxpat.test': [IP.GOOD],
      'mx.short.test': [IP.PLAIN],
    },
  });
  srv = await startPolicyServer(Object.keys(policies).map((d) => `mta-sts.${d}`));
  // A 1 s TTL: the policy source asks DNS again a second later (a changed id is seen at once).
  dns = await startDns({ ttl: 1, txt: Object.fromEntries(Object.keys(policies).map((d) => [`_mta-sts.${d}`, ['v=STSv1; id=1']])) });
  for (const [d, p] of Object.entries(policies)) srv.served.set(d, { body: policyText(p.mode, p.mx, p.maxAge ?? 86400) });
  sinks.good = await sink('good', IP.GOOD, srv.issue(['mx.good.test', 'mx.mxpat.test']));
  sinks.wrong = await sink('wrong', IP.WRONG, srv.issue(['mx.other.test']));
  sinks.plain = await sink('plain', IP.PLAIN);
  // SYSLOG_LEVEL 7: postfix logs each TLS session (what mta_postfix_outbound_tls_connections counts).
  mta = await stsPostfix(ns, srv, { MAIL_DOMAIN: 'example.com', SYSLOG_LEVEL: '7' });
  postfixVersion = (await readDaemonFact('/')).postfix;
  outbound = await stsOutbound(mta, dns, srv, log, { postfixVersion });
  ns.run('postfix', ['-c', mta.paths.postfixConf, 'reload']);
});

after(async () => {
  await outbound?.close();
  await mta?.stop();
  for (const s of Object.values(sinks)) await s.stop();
  await nsDns?.stop();
  await dns?.stop();
  await srv?.stop();
  ns?.remove();
});

const send = (to: string) => sendThrough(ns, mta, to);
const received = (s: string, to: string) => sinkMessages(sinks[s]).find((m) => m.to.includes(to));
const deferred = (to: string, reason: RegExp) => deferredLine(mta, to, reason);

test('the seed wires the MTA-STS socketmap into smtp_tls_policy_maps (no override or relay table here)', () => {
  const maps = mta.postfix
    .postconf('-h', 'smtp_tls_policy_maps')
    .trim()
    .split(/[\s,]+/);
  assert.deepEqual(maps, [`socketmap:unix:${join(mta.paths.mtaStsRun, 'policy.sock')}:mta-sts`]);
});

test('enforce with a certificate that verifies and names the MX: delivered over TLS', async () => {
  send('user@good.test');
  const m = await eventually(() => received('good', 'user@good.test'), 30_000, 'delivered to the good MX');
  assert.equal(m.tls, true);
  assert.match(log.join(''), /"event":"mtasts\.fetched","domain":"good\.test","mode":"enforce"/);
});

test('enforce with a certificate for another name: deferred, never sent', async () => {
  send('user@wrong.test');
  await deferred('user@wrong.test', /certificate|verif/i);
  assert.equal(received('wrong', 'user@wrong.test'), undefined);
});

test('enforce with an MX that offers no STARTTLS: deferred, never sent in the clear', async () => {
  send('user@plain.test');
  await deferred('user@plain.test', /TLS is required, but was not offered/);
  assert.equal(received('plain', 'user@plain.test'), undefined);
});

test('testing: delivered as usual (here without TLS), and logged', async () => {
  send('user@testing.test');
  const m = await eventually(() => received('plain', 'user@testing.test'), 30_000, 'delivered under a testing policy');
  assert.equal(m.tls, false);
  assert.match(log.join(''), /"event":"mtasts\.policy","domain":"testing\.test","answer":"testing"/);
});

test('postfix ≥ 3.10.5 refuses an MX host outside the policy patterns even when its certificate matches', async (t) => {
  if (!versionAtLeast(postfixVersion, '3.10.5'))
    return t.skip(`postfix ${postfixVersion} does not check MTA-STS MX patterns (3.10.5 and later do)`);
  send('user@mxpat.test');
  await deferred('user@mxpat.test', /./);
  assert.match(mta.postfix.output(), /does not match STS MX pattern/);
  assert.equal(received('good', 'user@mxpat.test'), undefined);
});

test("the log parser reads postfix's own lines: deferrals by class, skipped MX hosts, verified TLS connections", (t) => {
  const events = mta.postfix
    .output()
    .split('\n')
    .map((l) => parseMailLog(l, 'postfix'))
    .filter((e) => e !== undefined);
  const deferrals = new Set(events.flatMap((e) => (e.kind === 'delivery' && e.tlsPolicy ? [e.tlsPolicy] : [])));
  assert.deepEqual([...deferrals].sort(), ['certificate', 'not-offered']);
  assert.ok(
    events.some((e) => e.kind === 'tls-connection' && e.trust === 'verified'),
    'the enforce delivery was verified',
  );
  if (!versionAtLeast(postfixVersion, '3.10.5')) return t.skip('no MX pattern check before postfix 3.10.5');
  assert.ok(events.some((e) => e.kind === 'sts-mx-refused'));
});

test('a changed policy id refetches: a new policy that no longer names the MX defers the next message', async () => {
  srv.served.set('good.test', { body: policyText('enforce', ['mx2.good.test'], 86400) });
  dns.records.txt['_mta-sts.good.test'] = ['v=STSv1; id=2'];
  await new Promise((r) => setTimeout(r, 1200));
  send('again@good.test');
  // The certificate names mx.good.test only (and, from 3.10.5 on, the MX name is outside the new pattern too).
  await deferred('again@good.test', /./);
  assert.equal(srv.hits.get('good.test'), 2);
  assert.equal(received('good', 'again@good.test'), undefined);
});

test('a short max_age expires: once the policy server is gone and 2 s passed, the mail leaves as before (in the clear)', async () => {
  send('user@short.test');
  await deferred('user@short.test', /TLS is required, but was not offered/);
  srv.served.delete('short.test');
  const m = await eventually(() => received('plain', 'user@short.test'), 30_000, 'delivered once the policy expired');
  assert.equal(m.tls, false);
});
