import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sealMessage } from 'mailauth/lib/arc/index.js';
import { dkimSign } from '../filter/dkim-tools.ts';
import { headerOf, plainMail } from '../filter/messages.ts';
import { eventually } from '../harness/index.ts';
import { type DmarcNode, sendRaw, startDmarcNode } from './node.ts';
import { ARC_SELECTOR, FORWARDER_IP, SELECTOR, type Sealer } from './world.ts';

// ARC (RFC 8617) on port 25 with real postfix, opendkim, OpenDMARC, the arc-milter and the test DNS server. Every
// message is From a p=reject domain and fails DMARC the way list mail does: signed by its domain, then changed by a
// "list" (a footer) and sent on from the list's address, so neither the signature nor SPF holds. Seals are made by
// mailauth (an implementation independent of the arc-milter) with keys published on the test DNS.
const BOX = 'bob@example.com';
const ENV = { INET_INTERFACES: 'all', MAIL_DOMAIN: 'example.com', MAIL_BOXES: BOX, ARC_TRUSTED_SEALERS: 'lists.example.org' };
const PASSED = (s: Sealer) =>
  `${s}; dkim=pass header.d=pass.example; spf=pass smtp.mailfrom=pass.example; dmarc=pass header.from=pass.example`;

let node: DmarcNode;
before(async () => {
  node = await startDmarcNode('arc', ENV);
});
after(async () => {
  await node?.stop();
});

let n = 0;
// The message as the list passes it on: signed by pass.example, a footer added after signing.
async function listMessage(extra = ''): Promise<{ raw: string; subject: string }> {
  const subject = `arc-${++n}`;
  const signed = await dkimSign(plainMail('news@pass.example', BOX, subject, `news ${n}`, extra), {
    domain: 'pass.example',
    selector: SELECTOR,
    keyFile: node.world.keyFile('pass.example'),
  });
  return { raw: `${signed}-- \r\nthe list's footer\r\n`, subject };
}

async function seal(raw: string, sealer: Sealer, authResults = PASSED(sealer)): Promise<string> {
  const h = await sealMessage(Buffer.from(raw), {
    signingDomain: sealer,
    selector: ARC_SELECTOR,
    privateKey: node.world.sealKey(sealer),
    authResults,
  });
  assert.ok(h.length, 'sealed');
  return h.toString() + raw;
}

const send = (raw: string): string =>
  sendRaw(node, raw, { from: 'list-bounces@lists.example.org', to: BOX, ip: FORWARDER_IP, helo: 'lists.example.org' });

const mailbox = () => (existsSync(join(node.mta.paths.mail, BOX)) ? readFileSync(join(node.mta.paths.mail, BOX), 'utf8') : '');
const delivered = (out: string, subject: string): Promise<string> => {
  assert.match(out, /<- {2}250 2\.0\.0 Ok: queued as/, out);
  const find = () =>
    mailbox()
      .split(/^From /m)
      .find((m) => m.includes(`\nSubject: ${subject}\n`));
  return eventually(find, 15_000, `${subject} delivered`);
};
const refused = (out: string, subject: string) => {
  assert.match(out, /<\*\* 550 5\.7\.1 message refused: it fails DMARC and the From domain publishes p=reject: pass\.example\n/, out);
  assert.doesNotMatch(mailbox(), new RegExp(`Subject: ${subject}\n`));
};
const ours = (msg: string) => headerOf(msg, 'Authentication-Results').filter((h) => h.startsWith('example.com;'));
// The arc-milter's log events for this subject's queue id are not known; its lines in order are.
const arcEvents = (event: string) =>
  node.milters
    .arcOutput()
    .split('\n')
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ARC: a p=reject DMARC failure and the trusted sealer (ARC_TRUSTED_SEALERS=lists.example.org)', { timeout: 240_000 }, () => {
  test('(a) no ARC: refused', async () => {
    const m = await listMessage();
    refused(send(m.raw), m.subject);
  });

  test('(b) sealed by the trusted sealer, which saw dmarc=pass: delivered, the override logged and marked', async () => {
    const before = arcEvents('arc.override').length;
    const m = await listMessage();
    const msg = await delivered(send(await seal(m.raw, 'lists.example.org')), m.subject);
    const results = ours(msg);
    assert.ok(
      results.some((h) =>
        /^example\.com; arc=pass \(as\.1\.lists\.example\.org=pass\) smtp\.remote-ip=192\.0\.2\.20 arc\.chain=lists\.example\.org$/.test(h),
      ),
      results.join('\n'),
    );
    // OpenDMARC's verdict stays what it was: DMARC failed, and ARC is why the message is here.
    assert.ok(results.includes('example.com; dmarc=fail (p=reject dis=none) header.from=pass.example'), results.join('\n'));
    assert.deepEqual(headerOf(msg, 'X-MTA-DMARC-Override'), ['arc sealer=lists.example.org domain=pass.example policy=reject']);
    const logged = await eventually(() => arcEvents('arc.override').slice(before)[0], 5_000, 'arc.override logged');
    assert.deepEqual([logged.sealer, logged.domain, logged.policy], ['lists.example.org', 'pass.example', 'reject']);
    assert.equal(arcEvents('arc.override').length, before + 1, 'logged once');
  });

  test('(c) the same seal by a sealer not in the list: refused', async () => {
    const m = await listMessage();
    refused(send(await seal(m.raw, 'other-list.example')), m.subject);
  });

  test('the trusted sealer saw DMARC fail: refused', async () => {
    const m = await listMessage();
    const failed = 'lists.example.org; dkim=fail header.d=pass.example; dmarc=fail header.from=pass.example';
    refused(send(await seal(m.raw, 'lists.example.org', failed)), m.subject);
  });

  test('(d) changed after the trusted sealer sealed it, or a chain that says cv=fail: refused, arc=fail logged', async () => {
    const before = arcEvents('arc.verdict').length;
    const m = await listMessage();
    refused(send(`${await seal(m.raw, 'lists.example.org')}one more line\r\n`), m.subject);
    // Sealed again with cv=fail by the same (trusted) sealer on top of a first set.
    const m2 = await listMessage();
    const once = await seal(m2.raw, 'lists.example.org');
    const twice = await sealMessage(Buffer.from(once), {
      signingDomain: 'lists.example.org',
      selector: ARC_SELECTOR,
      privateKey: node.world.sealKey('lists.example.org'),
      authResults: PASSED('lists.example.org'),
      cv: 'fail',
    });
    refused(send(twice.toString() + once), m2.subject);
    // The milter's lines reach this process a little later than the SMTP replies: wait for both failures.
    const failures = () =>
      arcEvents('arc.verdict')
        .slice(before)
        .filter((v) => v.result === 'fail')
        .map((v) => v.reason);
    await eventually(() => failures().length >= 2, 5_000, 'arc verdicts logged');
    assert.deepEqual(failures(), ['ams.1 body changed', 'as.2 cv=fail']);
  });

  test('(e) an Authentication-Results with our authserv-id claiming arc=pass and dmarc=pass is removed and changes nothing', async () => {
    const forged = [
      'Authentication-Results: example.com; arc=pass (as.1.lists.example.org=pass) arc.chain=lists.example.org\r\n',
      'Authentication-Results: example.com; dkim=pass header.d=pass.example; dmarc=pass header.from=pass.example\r\n',
      'X-MTA-DMARC-Override: arc sealer=lists.example.org domain=pass.example policy=reject\r\n',
    ].join('');
    const m = await listMessage(forged);
    refused(send(m.raw), m.subject);
    // With a seal of the untrusted sealer too: still refused.
    const m2 = await listMessage(forged);
    refused(send(await seal(m2.raw, 'other-list.example')), m2.subject);
    // Delivered mail (the trusted seal) carries no trace of the forged headers, only ours.
    const m3 = await listMessage(forged);
    const msg = await delivered(send(await seal(m3.raw, 'lists.example.org')), m3.subject);
    assert.ok(!ours(msg).some((h) => h.includes('dkim=pass header.d=pass.example; dmarc=pass')), ours(msg).join('\n'));
    assert.equal(ours(msg).filter((h) => /; arc=/.test(h)).length, 1, ours(msg).join('\n'));
    assert.equal(headerOf(msg, 'X-MTA-DMARC-Override').length, 1);
  });

  test('the arc-milter left root before it served, with no supplementary group', () => {
    const status = readFileSync(`/proc/${node.milters.pid('arc-milter')}/status`, 'utf8');
    const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    assert.ok(uid && uid[1] !== '0' && uid[2] !== '0', uid?.[0]);
    assert.match(status, /^Groups:\s*$/m);
  });
});
