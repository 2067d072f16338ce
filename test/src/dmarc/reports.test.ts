import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ReportService } from '@mta/dmarc-reports/service';
import { DAY_MS } from '@mta/shared';
import { dkimSign } from '../filter/dkim-tools.ts';
import { plainMail } from '../filter/messages.ts';
import { type DnsServer, startDns } from '../harness/dns.ts';
import { eventually, memoryLogger } from '../harness/index.ts';
import { type DmarcNode, sendRaw, startDmarcNode } from './node.ts';
import { recordsOf, reportsIn, validateReport } from './report-tools.ts';
import { FORWARDER_IP, SELECTOR, SENDER_IP, type Signer } from './world.ts';

// DMARC aggregate reports end to end on one node: real OpenDMARC writes its history while real postfix takes mail
// from two addresses of a private namespace, the sidecar's service collects it (also across a restart), and the
// day's report goes through postfix's sendmail to a local mailbox; its XML is checked against RFC 7489's schema and
// its counts against what was sent. The service's clock is moved past the end of the day; nothing else is faked.
const BOX = 'bob@example.com';
const AGG = 'agg@vendor.example';
const ENV = {
  INET_INTERFACES: 'all',
  MAIL_DOMAIN: 'example.com vendor.example',
  MAIL_BOXES: `${BOX} ${AGG}`,
  DMARC_REPORTS: 'yes',
  DMARC_REPORT_ORG: 'Example Mail',
};

let node: DmarcNode;
let hostDns: DnsServer;
const logLines: string[] = [];

before(async () => {
  node = await startDmarcNode('dmarcrep', ENV, (records) => {
    const txt = records.txt ?? {};
    // pass.example reports to another organisation, which agreed (RFC 7489 7.1); reject.example to one that did not;
    // quar.example to one that takes at most 100 bytes.
    txt['_dmarc.pass.example'] = [`v=DMARC1; p=reject; rua=mailto:${AGG}`];
    txt['pass.example._report._dmarc.vendor.example'] = ['v=DMARC1'];
    txt['_dmarc.reject.example'] = ['v=DMARC1; p=reject; rua=mailto:dmarc@example.com'];
    txt['_dmarc.quar.example'] = [`v=DMARC1; p=quarantine; rua=mailto:${AGG}!100`];
    txt['quar.example._report._dmarc.vendor.example'] = ['v=DMARC1'];
    // pct=0: the reject policy spared the message, which took the spam path.
    txt['_dmarc.pct.example'] = [`v=DMARC1; p=reject; pct=0; rua=mailto:${AGG}`];
    txt['pct.example._report._dmarc.vendor.example'] = ['v=DMARC1'];
  });
  // The same zone for the sidecar's 7.1 lookups, which run outside the namespace.
  hostDns = await startDns(node.world.records);
});

after(async () => {
  await hostDns?.stop();
  await node?.stop();
});

let n = 0;
async function send(o: { from: string; ip: string; signer?: Signer }): Promise<string> {
  let raw = plainMail(o.from, BOX, `report-${++n}`, `test ${n}`);
  if (o.signer) raw = await dkimSign(raw, { domain: o.signer, selector: SELECTOR, keyFile: node.world.keyFile(o.signer) });
  return sendRaw(node, raw, { from: o.from, to: BOX, ip: o.ip, helo: 'client.example' });
}

const service = (clock: () => number) => {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${hostDns.port}`]);
  return ReportService.start({
    paths: node.mta.paths,
    log: memoryLogger(logLines),
    reporter: { org: 'Example Mail', email: 'noreply-dmarc@example.com', node: 'mx1' },
    txt: async (name) => (await resolver.resolveTxt(name).catch(() => [] as string[][])).map((c) => c.join('')),
    now: clock,
  });
};
const events = (name: string) => logLines.filter((l) => l.includes(`"event":"${name}"`));

describe('DMARC aggregate reports, one node', { timeout: 240_000 }, () => {
  test('every verdict is recorded, and the next day one report per domain goes to its verified rua', async () => {
    const queued = /<- {2}250 2\.0\.0 Ok: queued as/;
    const refused = /<\*\* 550 5\.7\.1 message refused/;
    for (let i = 0; i < 3; i++) assert.match(await send({ from: 'alice@pass.example', ip: SENDER_IP, signer: 'pass.example' }), queued);
    // Forwarded: SPF fails at the forwarder's address, the signature survives.
    assert.match(await send({ from: 'alice@pass.example', ip: FORWARDER_IP, signer: 'pass.example' }), queued);
    // Forged: neither aligned, refused under p=reject.
    for (let i = 0; i < 2; i++) assert.match(await send({ from: 'mallory@pass.example', ip: FORWARDER_IP }), refused);
    assert.match(await send({ from: 'mallory@reject.example', ip: SENDER_IP }), refused);
    assert.match(await send({ from: 'dave@quar.example', ip: SENDER_IP }), queued);
    assert.match(await send({ from: 'frank@pct.example', ip: SENDER_IP }), queued);
    // No DMARC record: nothing to report, nothing recorded.
    assert.match(await send({ from: 'carol@none.example', ip: SENDER_IP }), queued);

    // Today: the history is moved aside and stored, nothing is due yet. A restart in between loses nothing.
    const start = Date.now();
    let clock = start;
    let s = await service(() => clock);
    await s.close();
    clock = start + 10_000;
    s = await service(() => clock);
    assert.equal(readdirSync(node.mta.paths.dmarcHistory).length, 0, 'the history was collected');
    assert.deepEqual(events('dmarc.history_dropped'), []);
    // Every verdict, also of the domain without a record (it asks for no report).
    const dayDir = join(node.mta.paths.dmarcState, 'records', new Date(start).toISOString().slice(0, 10));
    const stored = readdirSync(dayDir).flatMap((f) => JSON.parse(readFileSync(join(dayDir, f), 'utf8')) as { from: string }[]);
    assert.deepEqual(
      stored.map((v) => v.from).sort(),
      [...Array(6).fill('pass.example'), 'reject.example', 'quar.example', 'pct.example', 'none.example'].sort(),
    );
    // A link planted in OpenDMARC's directory is refused, never read.
    symlinkSync('/etc/passwd', join(node.mta.paths.dmarcHistory, 'taken.0000000000001'));
    await s.runOnce();
    assert.equal(events('fs.refused').length, 1);
    assert.deepEqual(reportsIn(join(node.mta.paths.mail, AGG)), []);

    // The day after: one report for pass.example, one for pct.example.
    clock = start + DAY_MS + 3_600_000;
    await s.runOnce();
    const reports = await eventually(
      () => {
        const r = reportsIn(join(node.mta.paths.mail, AGG));
        return r.length >= 2 ? r : undefined;
      },
      30_000,
      'the reports delivered',
    );
    assert.equal(reports.length, 2);
    for (const r of reports) validateReport(r.xml);
    const report = reports.find((r) => r.fileName.includes('!pass.example!'));
    assert.ok(report);
    const pct = reports.find((r) => r.fileName.includes('!pct.example!'));
    assert.deepEqual(recordsOf(pct?.xml ?? ''), [
      { ip: SENDER_IP, count: 1, disposition: 'quarantine', dkim: 'fail', spf: 'fail', from: 'pct.example' },
    ]);
    const day = Date.parse(`${new Date(start).toISOString().slice(0, 10)}T00:00:00Z`) / 1000;
    assert.equal(report.fileName, `example.com!pass.example!${day}!${day + 86_399}.xml.gz`);
    assert.equal(report.subject, `Report Domain: pass.example Submitter: example.com Report-ID: <pass.example!${day}!mx1@example.com>`);
    assert.match(report.xml, /<org_name>Example Mail<\/org_name><email>noreply-dmarc@example.com<\/email>/);
    assert.match(
      report.xml,
      /<policy_published><domain>pass.example<\/domain><adkim>r<\/adkim><aspf>r<\/aspf><p>reject<\/p><sp>reject<\/sp><pct>100<\/pct>/,
    );
    const rows = recordsOf(report.xml).sort((a, b) => a.ip.localeCompare(b.ip) || a.count - b.count);
    assert.deepEqual(
      rows,
      [
        { ip: SENDER_IP, count: 3, disposition: 'none', dkim: 'pass', spf: 'pass', from: 'pass.example' },
        { ip: FORWARDER_IP, count: 1, disposition: 'none', dkim: 'pass', spf: 'fail', from: 'pass.example' },
        { ip: FORWARDER_IP, count: 2, disposition: 'reject', dkim: 'fail', spf: 'fail', from: 'pass.example' },
      ].sort((a, b) => a.ip.localeCompare(b.ip) || a.count - b.count),
    );

    // reject.example's destination did not agree (7.1), quar.example's takes less than the report: neither is sent.
    assert.equal(events('dmarc.report_unverified').length, 1);
    assert.equal(events('dmarc.report_too_large').length, 1);
    assert.equal(events('dmarc.report_sent').length, 2);
    // Later passes, and a restart, send nothing again.
    clock += 120_000;
    await s.runOnce();
    await s.close();
    s = await service(() => clock);
    await s.close();
    assert.equal(events('dmarc.report_sent').length, 2);
    assert.equal(reportsIn(join(node.mta.paths.mail, AGG)).length, 2);
    assert.ok(existsSync(join(node.mta.paths.dmarcState, 'sent', new Date(start).toISOString().slice(0, 10), 'pass.example')));
  });
});
