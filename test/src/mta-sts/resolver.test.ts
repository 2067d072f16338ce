import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { type Decision, fetchPolicy, PolicyCache, type StsReport, StsResolver, socketmapReply, stsDns } from '@mta/mta-sts';
import { type DnsServer, startDns } from '../harness/dns.ts';
import { tempRoot } from '../harness/index.ts';
import { type PolicyServer, policyText, startPolicyServer } from './policy-server.ts';

// The policy source against the test DNS server and a real HTTPS policy server: ids, the cache on disk, outages,
// expiry, DANE first. The clock is the test's, so max_age runs out without waiting.
let dns: DnsServer;
let srv: PolicyServer;
let dir: string;
let cleanup: () => Promise<void>;
let clock = Date.now();
const events: string[] = [];

const report: StsReport = {
  fetched: (d, mode) => void events.push(`fetched ${d} ${mode}`),
  fetchFailed: (d, f) => void events.push(`failed ${d} ${f}`),
  answered: () => undefined,
};

// A resolver as the sidecar starts one: the cache read from disk first.
async function resolver(o: { daneCheck?: boolean; dnsPort?: number } = {}): Promise<StsResolver> {
  const cache = new PolicyCache(dir);
  await cache.load(clock);
  return new StsResolver({
    dns: stsDns({ host: '127.0.0.1', port: o.dnsPort ?? dns.port }, 500),
    fetch: (d) => fetchPolicy(d, { ca: [srv.ca.certPem], port: srv.port, lookup: srv.lookup, timeoutMs: 2000 }),
    cache,
    report,
    node: 'mx1',
    minRecheckMs: 0,
    daneCheck: o.daneCheck ?? true,
    now: () => clock,
  });
}
const kind = (d: Decision) => (d.kind === 'enforce' ? `enforce ${d.policy.mx.join(',')}` : d.kind);
// The test DNS server answers with a 60 s TTL: the resolver asks again once the clock moved past it.
const later = (s: number) => {
  clock += s * 1000;
};

// A domain's policy as its owner publishes it: the _mta-sts record with this id, the policy file on the HTTPS server.
function publish(domain: string, id: number, mode: string, mx: string[], maxAge = 86400): void {
  dns.records.txt[`_mta-sts.${domain}`] = [`v=STSv1; id=${id}`];
  srv.served.set(domain, { body: policyText(mode, mx, maxAge) });
}

before(async () => {
  dns = await startDns({});
  srv = await startPolicyServer(['mta-sts.a.test', 'mta-sts.t.test', 'mta-sts.d.test']);
  ({ dir, cleanup } = await tempRoot('mta-sts-cache-'));
});
after(async () => {
  await dns?.stop();
  await srv?.stop();
  await cleanup?.();
});
beforeEach(() => {
  events.length = 0;
});

test('enforce: fetched once per id, answered from the cache, refetched when the id changes', async () => {
  publish('a.test', 1, 'enforce', ['mx.a.test']);
  const r = await resolver();
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
  later(61);
  assert.equal(kind(await r.decide('A.TEST.')), 'enforce mx.a.test');
  assert.deepEqual(events, ['fetched a.test enforce'], 'the same id fetches nothing');
  assert.equal(
    socketmapReply(await r.decide('a.test'), true).replace(/policy_ttl=\d+/, 'policy_ttl=N'),
    'OK secure match=mx.a.test servername=hostname policy_type=sts policy_domain=a.test mx_host_pattern=mx.a.test policy_ttl=N',
  );
  publish('a.test', 2, 'enforce', ['mx2.a.test']);
  later(61);
  assert.equal(kind(await r.decide('a.test')), 'enforce mx2.a.test');
  assert.equal(srv.hits.get('a.test'), 2);
});

test('a cached policy survives an HTTPS outage, a DNS outage and a restart, until its max_age', async () => {
  publish('a.test', 3, 'enforce', ['mx.a.test'], 7200);
  const r = await resolver();
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
  // A new id while the policy server is down: the cached policy stays.
  srv.served.delete('a.test');
  dns.records.txt['_mta-sts.a.test'] = ['v=STSv1; id=4'];
  later(61);
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
  assert.deepEqual(events.slice(-1), ['failed a.test status']);
  // No record at all (DNS says nothing, or an attacker strips it): still enforced.
  delete dns.records.txt['_mta-sts.a.test'];
  later(61);
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
  // A restarted sidecar reads it from /srv without fetching.
  const again = await resolver();
  assert.equal(kind(await again.decide('a.test')), 'enforce mx.a.test');
  // Once max_age (7200 s) has passed since the fetch, it is gone.
  later(7200);
  assert.equal(kind(await again.decide('a.test')), 'none');
});

test('the DNS server unreachable: a cached policy still holds', async () => {
  publish('a.test', 5, 'enforce', ['mx.a.test']);
  const r = await resolver();
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
  // Nothing answers on the discard port.
  const dead = await resolver({ dnsPort: 9 });
  later(61);
  assert.equal(kind(await dead.decide('a.test')), 'enforce mx.a.test');
});

test('testing and none policies are answered NOTFOUND (the global level holds); no record, no policy', async () => {
  publish('t.test', 1, 'testing', ['mx.t.test']);
  const r = await resolver();
  const d = await r.decide('t.test');
  assert.equal(socketmapReply(d, true), 'NOTFOUND ');
  assert.deepEqual(events, ['fetched t.test testing']);
  assert.equal(kind(await r.decide('nothing.test')), 'none');
  assert.equal(kind(await r.decide('.a.test')), 'none', "postfix's parent-domain probe");
  assert.equal(kind(await r.decide('[192.0.2.1]:25')), 'none');
});

test('a policy that does not parse is not taken, and does not replace a good one', async () => {
  publish('a.test', 6, 'enforce', ['mx.a.test']);
  const r = await resolver();
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
  dns.records.txt['_mta-sts.a.test'] = ['v=STSv1; id=7'];
  srv.served.set('a.test', { body: 'version: STSv1\r\nmode: none-of-these\r\nmax_age: 1\r\n' });
  later(61);
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
  assert.deepEqual(events.slice(-1), ['failed a.test invalid']);
});

test('DANE first: MX hosts with authenticated TLSA records get dane-only, never the MTA-STS policy', async () => {
  publish('d.test', 1, 'enforce', ['mx.d.test']);
  dns.records.mx['d.test'] = ['mx.d.test'];
  dns.records.tlsa['_25._tcp.mx.d.test'] = ['3 1 1 0123456789abcdef'];
  // Unauthenticated (no AD): TLSA records an attacker could forge decide nothing.
  const r = await resolver();
  assert.equal(kind(await r.decide('d.test')), 'enforce mx.d.test');
  dns.records.ad.push('d.test', '_25._tcp.mx.d.test');
  later(61);
  const d = await r.decide('d.test');
  assert.equal(kind(d), 'dane');
  assert.equal(socketmapReply(d, true), 'OK dane-only');
  // Without DNSSEC in postfix (no validating resolver), the check is not made.
  assert.equal(kind(await (await resolver({ daneCheck: false })).decide('d.test')), 'enforce mx.d.test');
});

test('proactive refresh: a policy past half its max_age is fetched again while its record stays', async () => {
  publish('a.test', 8, 'enforce', ['mx.a.test']);
  const r = await resolver();
  await r.decide('a.test');
  const hits = srv.hits.get('a.test') ?? 0;
  assert.equal(await r.refreshDue(), 0);
  later(50_000);
  assert.ok((await r.refreshDue()) >= 1);
  assert.equal(srv.hits.get('a.test'), hits + 1);
  // Fetched again now: valid for another full max_age from here.
  later(80_000);
  assert.equal(kind(await r.decide('a.test')), 'enforce mx.a.test');
});
