import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { healthChecks, OWN_RESOLVER_MARK } from '@mta/cli/health/checks';
import { probe } from '@mta/cli/health/probe';
import { stsDns } from '@mta/mta-sts';
import { dnsQuery, RR } from '@mta/shared';
import { healthFacts } from '../harness/health.ts';
import { type Daemon, eventually, freePort, startDaemon, tempRoot } from '../harness/index.ts';

// The DNS client against a real resolver (unbound, serving local data): what it parses is what a resolver sends
// (compression, several strings in one TXT record, TLSA), and data no DNSSEC validated carries no AD bit, so it never
// counts as DANE. The validating case (a signed zone) belongs to the DANE tests.
const TLSA = '3 1 1 8bd1da95272f7fa4ffb24137fc0ed03aae67e5c4d8b3c50734e1050a7920b922';
let unbound: Daemon;
let port: number;
let root: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  root = await tempRoot('mta-sts-unbound-');
  port = await freePort();
  const conf = join(root.dir, 'unbound.conf');
  writeFileSync(
    conf,
    [
      'server:',
      '  interface: 127.0.0.1',
      `  port: ${port}`,
      '  do-daemonize: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${root.dir}"`,
      '  pidfile: ""',
      '  use-syslog: no',
      '  do-ip6: no',
      '  access-control: 127.0.0.0/8 allow',
      '  module-config: "iterator"',
      '  local-zone: "a.test." static',
      '  local-data: "a.test. 300 IN MX 10 mx1.a.test."',
      '  local-data: "a.test. 300 IN MX 20 mx2.a.test."',
      `  local-data: '_mta-sts.a.test. 300 IN TXT "v=STSv1; " "id=20240101"'`,
      `  local-data: "_25._tcp.mx1.a.test. 300 IN TLSA ${TLSA}"`,
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  );
  unbound = startDaemon('unbound', ['-d', '-c', conf]);
  await eventually(
    () =>
      dnsQuery({ host: '127.0.0.1', port }, 'a.test', RR.MX, { timeoutMs: 300 }).then(
        () => true,
        () => false,
      ),
    15_000,
    `unbound answers: ${unbound.output()}`,
  );
});
after(async () => {
  await unbound?.stop();
  await root?.cleanup();
});

test("unbound's answers parse: MX with compressed names, a TXT record of two strings, TLSA", async () => {
  const mx = await dnsQuery({ host: '127.0.0.1', port }, 'a.test', RR.MX);
  assert.equal(mx.rcode, 0);
  assert.deepEqual(mx.answers.map((a) => ('exchange' in a ? `${a.preference} ${a.exchange}` : '')).sort(), [
    '10 mx1.a.test',
    '20 mx2.a.test',
  ]);
  const txt = await stsDns({ host: '127.0.0.1', port }).txt('_mta-sts.a.test');
  assert.deepEqual(txt, { kind: 'ok', texts: ['v=STSv1; id=20240101'], ttl: 300 });
  const tlsa = await dnsQuery({ host: '127.0.0.1', port }, '_25._tcp.mx1.a.test', RR.TLSA);
  const t = tlsa.answers[0];
  assert.ok(t && 'usage' in t);
  assert.deepEqual([t.usage, t.selector, t.matching, t.data.toString('hex')], [3, 1, 1, TLSA.split(' ')[3]]);
  assert.equal((await dnsQuery({ host: '127.0.0.1', port }, 'b.a.test', RR.TXT)).rcode, 3, 'NXDOMAIN in a static zone');
});

test('records no DNSSEC validated (no AD bit) never make a domain DANE', async () => {
  const mx = await dnsQuery({ host: '127.0.0.1', port }, 'a.test', RR.MX);
  assert.equal(mx.ad, false);
  assert.equal(await stsDns({ host: '127.0.0.1', port }).dane('a.test'), false);
});

test("the HEALTHCHECK's resolver probe: unbound answers localhost. from its own local zone; a port without it fails", async () => {
  const ours = `${OWN_RESOLVER_MARK} (unbound, SMTP_DANE)\nnameserver 127.0.0.1\noptions trust-ad\n`;
  const check = healthChecks(healthFacts({ variant: 'mini', resolvConf: ours })).find((c) => c.probe.what.startsWith('unbound'));
  assert.ok(check, 'a resolv.conf naming our unbound gets the probe');
  assert.equal(await probe({ host: '127.0.0.1', port }, check.probe), undefined);
  const closed = await freePort();
  assert.match(
    (await probe({ host: '127.0.0.1', port: closed }, { ...check.probe, timeoutMs: 1000 })) ?? '',
    /^unbound on 127\.0\.0\.1:53: ECONNREFUSED/,
  );
  const docker = healthChecks(healthFacts({ variant: 'mini', resolvConf: 'nameserver 127.0.0.11\n' }));
  assert.ok(!docker.some((c) => c.probe.what.startsWith('unbound')), "docker's own resolver is not ours to probe");
});
