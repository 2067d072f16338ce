import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ReportFleet } from '@mta/dmarc-reports/fleet';
import { parseHistory } from '@mta/dmarc-reports/history';
import { ReportService } from '@mta/dmarc-reports/service';
import { DAY_MS, DMARC_BUCKET, FleetIdentity, mtaPaths, openBucket, seal } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { recordsOf, reportsIn, validateReport } from '../dmarc/report-tools.ts';
import { type DnsServer, startDns } from '../harness/dns.ts';
import {
  eventually,
  type FleetNats,
  initializedFleetNats,
  memoryLogger,
  type NodeKey,
  nodeKey,
  type SeededPostfix,
  seededPostfix,
  tempRoot,
} from '../harness/index.ts';

// One report per domain and day for a whole fleet: two nodes (own roots, NATS users and signing keys) on a real
// nats-server run from examples/fleet/nats-server.conf share their records through the bucket mta-dmarc; the report
// goes out once, from one node, through a real postfix to a local mailbox. The history files are written here as
// OpenDMARC writes them (test/src/dmarc/reports.test.ts runs OpenDMARC itself).
const AGG = 'agg@vendor.example';
const DOMAINS = ['pass.example', 'quar.example', 'late.example', 'alone.example'];

describe('DMARC aggregate reports in a fleet', { timeout: 180_000 }, () => {
  let nats: FleetNats;
  let mta: SeededPostfix;
  let dns: DnsServer;
  const evil = nodeKey('mx-evil');
  const cleanups: (() => Promise<void>)[] = [];
  const logs: string[] = [];
  const refusals: string[] = [];
  const start = Date.now();
  const day = new Date(start).toISOString().slice(0, 10);
  // Midnight (UTC) at the end of the records' day: reports fall due from 00:10, the next in line's from 02:10.
  const dayEnd = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  const H = 3_600_000;
  let job = 0;

  interface Node {
    name: string;
    key: NodeKey;
    fleet: ReportFleet;
    history: (lines: string) => void;
    // Days with records on the node's /srv.
    storedDays: () => string[];
    pass: (at: number) => Promise<void>;
  }

  // A record as OpenDMARC writes it, received now.
  const record = (domain: string, ip: string, pass: boolean) =>
    [
      `job R${++job}X`,
      'reporter mx',
      `received ${Math.floor(start / 1000)}`,
      `ipaddr ${ip}`,
      `from ${domain}`,
      `mfrom ${domain}`,
      `spf ${pass ? 0 : 7}`,
      `dkim ${domain} ${pass ? 0 : 7}`,
      `pdomain ${domain}`,
      `policy ${pass ? 15 : 16}`,
      `rua mailto:${AGG}`,
      'pct 100',
      'adkim 114',
      'aspf 114',
      'p 114',
      'sp 114',
      `align_dkim ${pass ? 4 : 5}`,
      `align_spf ${pass ? 4 : 5}`,
      `action ${pass ? 2 : 0}`,
      '',
    ].join('\n');

  // Each test has its own pair of nodes (own keys, so their entries of the day are their own).
  // Both trust a third and a fourth node too, which are down (they have no records).
  async function pair(a: string, b: string): Promise<[Node, Node, NodeKey[]]> {
    const keys = [a, b, `${a}-c`, `${a}-d`].map(nodeKey);
    return [await node(keys[0] as NodeKey, 'mx1', keys), await node(keys[1] as NodeKey, 'mx2', keys), keys];
  }

  // offline: the node never gets the bucket (as while NATS is down at its start).
  async function node(key: NodeKey, user: 'mx1' | 'mx2', keys: NodeKey[], offline = false): Promise<Node> {
    const t = await tempRoot(`mta-fleet-dmarc-${key.name}-`);
    cleanups.push(t.cleanup);
    const paths = mtaPaths(t.dir);
    mkdirSync(paths.dmarcHistory, { recursive: true });
    const nc: NatsConnection = await nats.login(user, { name: key.name });
    cleanups.push(() => nc.close());
    const identity = await FleetIdentity.load(
      key.seed,
      key.name,
      keys.filter((k) => k !== key).map((k) => ({ name: k.name, key: k.publicKey })),
    );
    const fleet = new ReportFleet(await openBucket(nc, DMARC_BUCKET), identity, memoryLogger(logs), (entry, reason) =>
      refusals.push(`${key.name} ${entry}: ${reason}`),
    );
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${dns.port}`]);
    let clock = start;
    const svc = await ReportService.start({
      // The reports go out through the one postfix of the test, whichever node sends them.
      paths: { ...paths, postfixConf: mta.paths.postfixConf },
      log: memoryLogger(logs),
      reporter: { org: 'Example Fleet', email: 'noreply-dmarc@example.com', node: key.name },
      txt: async (name) => (await resolver.resolveTxt(name).catch(() => [] as string[][])).map((c) => c.join('')),
      now: () => clock,
      fleet: () => (offline ? undefined : fleet),
      node: key.name,
    });
    cleanups.push(() => svc.close());
    let n = 0;
    return {
      name: key.name,
      key,
      fleet,
      history: (lines) => writeFileSync(join(paths.dmarcHistory, 'history'), lines, { flag: 'a' }),
      storedDays: () => (existsSync(join(paths.dmarcState, 'records')) ? readdirSync(join(paths.dmarcState, 'records')) : []),
      // Two passes 10 s apart: the history is moved aside, then read and shared.
      pass: async (at) => {
        clock = at + n++;
        await svc.runOnce();
        clock = at + 10_000 + n++;
        await svc.runOnce();
      },
    };
  }

  before(async () => {
    nats = await initializedFleetNats('mta-fleet-dmarc-nats-');
    dns = await startDns({ txt: Object.fromEntries(DOMAINS.map((d) => [`${d}._report._dmarc.vendor.example`, ['v=DMARC1']])) });
    mta = await seededPostfix({ env: { MAIL_DOMAIN: 'example.com vendor.example', MAIL_BOXES: AGG } });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await mta?.stop();
    await dns?.stop();
    await nats?.stop();
  });

  const reports = () => reportsIn(join(mta.paths.mail, AGG));
  const count = (xml: string) => recordsOf(xml).reduce((s, r) => s + r.count, 0);

  test('each domain gets one report for the whole fleet; forged, moved and replayed entries add nothing', async () => {
    const [a, b, keys] = await pair('mx-a', 'mx-b');
    // pass.example: 3 messages through a, 2 refused at b. quar.example: 1 at each.
    a.history(
      record('pass.example', '192.0.2.10', true) + record('pass.example', '192.0.2.10', true) + record('pass.example', '192.0.2.10', true),
    );
    b.history(record('pass.example', '198.51.100.7', false) + record('pass.example', '198.51.100.7', false));
    a.history(record('quar.example', '192.0.2.10', true));
    b.history(record('quar.example', '198.51.100.7', true));
    await a.pass(start);
    await b.pass(start);

    // The attacks, by a client that may write the bucket (a third node's NATS user without a trusted signing key):
    // an untrusted node's entry with 50 messages under the key of a trusted node that is down; a's signed entry
    // copied under the other one's key; a's entry put again under its own.
    const intruder = await nats.login('mx3');
    cleanups.push(() => intruder.close());
    const kv = await openBucket(intruder, DMARC_BUCKET);
    const evilId = await FleetIdentity.load(evil.seed, evil.name, []);
    const many = parseHistory(record('pass.example', '203.0.113.66', true)).verdicts;
    const forged = Array.from({ length: 50 }, (_, i) => ({ ...many[0], job: `EVIL${i}` }));
    const evilKey = `rec.${day}.${keys[2]?.publicKey}`;
    await kv.put(evilKey, seal(evilId, DMARC_BUCKET, evilKey, gzipSync(JSON.stringify(forged))));
    // Under its own key too: never even read, it names no trusted node.
    const ownKey = `rec.${day}.${evil.publicKey}`;
    await kv.put(ownKey, seal(evilId, DMARC_BUCKET, ownKey, gzipSync(JSON.stringify(forged))));
    const aEntry = await kv.get(`rec.${day}.${a.key.publicKey}`);
    assert.ok(aEntry?.value.length);
    const movedKey = `rec.${day}.${keys[3]?.publicKey}`;
    await kv.put(movedKey, aEntry.value);
    await kv.put(`rec.${day}.${a.key.publicKey}`, aEntry.value);

    // The day after: the first node in line for each domain sends it; the other waits its turn.
    const both = [a.key.publicKey, b.key.publicKey];
    const first = (domain: string) => (a.fleet.rank(domain, both) === 0 ? a : b);
    const second = (domain: string) => (first(domain) === a ? b : a);
    const morning = dayEnd + H;
    await first('pass.example').pass(morning);
    await second('pass.example').pass(morning);
    const sent = await eventually(() => (reports().length ? reports() : undefined), 30_000, 'a report delivered');
    const passReport = sent.find((r) => r.fileName.includes('!pass.example!'));
    assert.ok(passReport, sent.map((r) => r.fileName).join(' '));
    validateReport(passReport.xml);
    assert.equal(count(passReport.xml), 5, passReport.xml);
    assert.deepEqual(
      recordsOf(passReport.xml)
        .map((r) => [r.ip, r.count, r.disposition])
        .sort(),
      [
        ['192.0.2.10', 3, 'none'],
        ['198.51.100.7', 2, 'reject'],
      ],
    );
    assert.match(passReport.subject, new RegExp(`Report-ID: <pass\\.example!\\d+!${first('pass.example').name}@example\\.com>`));
    assert.ok(
      refusals.some((r) => r.includes(evilKey)),
      refusals.join('\n'),
    );
    // The forged entry and the moved copy (its signature names another key), each told once per node.
    assert.ok(
      refusals.some((r) => r.includes(movedKey)),
      refusals.join('\n'),
    );
    assert.ok(!refusals.some((r) => r.includes(ownKey)), refusals.join('\n'));

    // Later, both nodes pass again (also past every fallback): nothing more for pass.example; quar.example went
    // exactly once, from whichever node was first for it or, had it been down, the other after its wait.
    const later = dayEnd + 5 * H;
    await a.pass(later);
    await b.pass(later);
    await new Promise((r) => setTimeout(r, 3000));
    const all = reports();
    assert.deepEqual(all.map((r) => r.fileName.split('!')[1]).sort(), ['pass.example', 'quar.example']);
    assert.equal(count(all.find((r) => r.fileName.includes('!quar.example!'))?.xml ?? ''), 2);
  });

  test('the first node in line is down: the next sends after its wait, and the first, back late with more records, sends nothing', async () => {
    const [a, b] = await pair('mx-c', 'mx-d');
    const domain = 'late.example';
    a.history(record(domain, '192.0.2.10', true));
    b.history(record(domain, '198.51.100.7', true));
    await a.pass(start);
    await b.pass(start);
    const first = a.fleet.rank(domain, [a.key.publicKey, b.key.publicKey]) === 0 ? a : b;
    const next = first === a ? b : a;
    // An hour into the day after, the next in line waits; three hours in, the first has not come: it sends.
    await next.pass(dayEnd + H);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(reports().filter((r) => r.fileName.includes(`!${domain}!`)).length, 0);
    await next.pass(dayEnd + 3 * H);
    await eventually(() => reports().find((r) => r.fileName.includes(`!${domain}!`)), 30_000, 'the fallback report');
    // The first comes back with a record it had not shared yet.
    first.history(record(domain, '192.0.2.10', true));
    await first.pass(dayEnd + 4 * H);
    await new Promise((r) => setTimeout(r, 3000));
    const late = reports().filter((r) => r.fileName.includes(`!${domain}!`));
    assert.equal(late.length, 1);
    assert.equal(count(late[0]?.xml ?? ''), 2);
  });

  test('a node in fleet mode that has not reached the bucket collects, and sends nothing on its own', async () => {
    const keys = ['mx-e', 'mx-f'].map(nodeKey);
    const e = await node(keys[0] as NodeKey, 'mx1', keys, true);
    e.history(record('alone.example', '192.0.2.10', true));
    await e.pass(start);
    assert.deepEqual(e.storedDays(), [day]);
    await e.pass(dayEnd + 5 * H);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(reports().filter((r) => r.fileName.includes('!alone.example!')).length, 0);
    assert.ok(!logs.some((l) => l.includes('"domain":"alone.example"')));
  });
});
