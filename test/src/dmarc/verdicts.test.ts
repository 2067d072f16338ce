import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { healthChecks } from '@mta/cli/health/checks';
import { probe } from '@mta/cli/health/probe';
import { type MailLogEvent, parseMailLog } from '@mta/shared';
import { collectEvents } from '../acme/sidecar.ts';
import { startGuard } from '../defences/guard-process.ts';
import { dkimSign } from '../filter/dkim-tools.ts';
import { headerOf, plainMail } from '../filter/messages.ts';
import { type Daemon, eventually, healthFacts, type NatsServer, startNats, startNsDns } from '../harness/index.ts';
import { startMilters } from './milters.ts';
import { type DmarcNode, sendRaw, startDmarcNode } from './node.ts';
import { FORWARDER_IP, SELECTOR, SENDER_IP, type Signer } from './world.ts';

// DMARC before the queue on port 25: the seed's opendkim and OpenDMARC configs, the daemons themselves, postfix,
// and the test DNS server on port 53 of a private namespace, where the senders' addresses live too. Every DKIM
// signature is real (Mail::DKIM, keys made for this run and published on the test DNS).
const BOX = 'bob@example.com';
const ENV = { INET_INTERFACES: 'all', MAIL_DOMAIN: 'example.com', MAIL_BOXES: BOX, DMARC_IGNORE_DOMAINS: 'ignored.example' };

let node: DmarcNode;
let nats: NatsServer;
let guard: Daemon;
let events: Awaited<ReturnType<typeof collectEvents>>;

before(async () => {
  node = await startDmarcNode('dmarc', ENV);
  // The guard, which follows postfix's log in the image, puts the verdicts on the bus.
  nats = await startNats();
  events = await collectEvents(nats.url);
  mkdirSync(join(node.mta.paths.logDir, 'dovecot'), { recursive: true });
  guard = await startGuard({ MTA_ROOT: node.mta.root, HOSTNAME: 'mx.example.com', NATS_URL: nats.url });
});

after(async () => {
  await guard?.stop();
  await events?.nc.close();
  await nats?.stop();
  await node?.stop();
});

const mailbox = () => (existsSync(join(node.mta.paths.mail, BOX)) ? readFileSync(join(node.mta.paths.mail, BOX), 'utf8') : '');

interface Sent {
  out: string;
  subject: string;
}

let n = 0;
// One message From: `from`, sent from `ip` with envelope sender `envelope` (default: the From address), signed by
// `signer` when given; `extra` adds header lines before the signature is made.
async function send(o: { from: string; ip?: string; envelope?: string; signer?: Signer; extra?: string; helo?: string }): Promise<Sent> {
  const subject = `dmarc-${++n}-${o.from}`;
  let raw = plainMail(o.from, BOX, subject, `test ${n}`, o.extra ?? '');
  if (o.signer) raw = await dkimSign(raw, { domain: o.signer, selector: SELECTOR, keyFile: node.world.keyFile(o.signer) });
  const out = sendRaw(node, raw, { from: o.envelope ?? o.from, to: BOX, ip: o.ip ?? SENDER_IP, helo: o.helo ?? 'client.example' });
  return { out, subject };
}

async function delivered(s: Sent): Promise<string> {
  assert.match(s.out, /<- {2}250 2\.0\.0 Ok: queued as/, s.out);
  // The mbox holds one message per "From " line; the one with this subject.
  const find = () =>
    mailbox()
      .split(/^From /m)
      .find((m) => m.includes(`\nSubject: ${s.subject}\n`));
  return eventually(find, 15_000, `${s.subject} delivered`);
}
const refused = (s: Sent) =>
  assert.match(s.out, /<\*\* 550 5\.7\.1 message refused: it fails DMARC and the From domain publishes p=reject: /, s.out);
const refusedNone = (s: Sent) => assert.match(s.out, /<- {2}250 2\.0\.0 Ok: queued as/, s.out);
const results = (msg: string) => headerOf(msg, 'Authentication-Results');
// One of the message's Authentication-Results headers matches `re` (all of them shown when none does).
const hasResult = (msg: string, re: RegExp) =>
  assert.ok(
    results(msg).some((h) => re.test(h)),
    results(msg).join('\n'),
  );
// The one result of `method` under our authserv-id.
function result(msg: string, method: 'spf' | 'dkim' | 'dmarc'): string {
  const found = results(msg)
    .filter((h) => h.startsWith('example.com;'))
    .flatMap((h) => [...h.matchAll(new RegExp(`\\b${method}=(\\w+)`, 'g'))].map((m) => m[1]));
  assert.equal(found.length, 1, `one ${method} result expected:\n${results(msg).join('\n')}`);
  return found[0] as string;
}

describe('DMARC verdicts before the queue (DMARC_POLICY=enforce)', { timeout: 240_000 }, () => {
  test('aligned SPF and DKIM pass, with spf, dkim and dmarc results under one authserv-id', async () => {
    const msg = await delivered(await send({ from: 'alice@pass.example', signer: 'pass.example' }));
    assert.equal(result(msg, 'spf'), 'pass');
    assert.equal(result(msg, 'dkim'), 'pass');
    assert.equal(result(msg, 'dmarc'), 'pass');
    assert.ok(
      results(msg).every((h) => h.startsWith('example.com;')),
      results(msg).join('\n'),
    );
  });

  test('p=reject with neither SPF nor DKIM: refused in the session with 5.7.1 and the reason, never delivered', async () => {
    const s = await send({ from: 'mallory@reject.example' });
    refused(s);
    assert.match(s.out, /p=reject: reject\.example\n/);
    assert.doesNotMatch(mailbox(), new RegExp(`Subject: ${s.subject}\n`));
  });

  test('a domain without a DMARC record: none, delivered', async () => {
    const msg = await delivered(await send({ from: 'carol@none.example' }));
    assert.equal(result(msg, 'dmarc'), 'none');
    assert.equal(result(msg, 'dkim'), 'none');
  });

  test('p=quarantine: delivered, its failure marked for the spam path', async () => {
    const msg = await delivered(await send({ from: 'dave@quar.example' }));
    // OpenDMARC leaves it to us (no HOLD): dis=none, the policy is what SpamAssassin scores (spam.test.ts).
    hasResult(msg, /^example\.com; dmarc=fail \(p=quarantine dis=none\) header\.from=quar\.example$/);
  });

  test('subdomain policy: sp=reject refuses a subdomain, while p=none lets the organizational domain through', async () => {
    refused(await send({ from: 'eve@news.mta-dmarc.co.uk' }));
    const msg = await delivered(await send({ from: 'eve@mta-dmarc.co.uk' }));
    hasResult(msg, /^example\.com; dmarc=fail \(p=none dis=none\) header\.from=mta-dmarc\.co\.uk$/);
  });

  test('pct=0: the reject policy is sampled out, the message is delivered and still marked as failed', async () => {
    const msg = await delivered(await send({ from: 'frank@pct.example' }));
    hasResult(msg, /^example\.com; dmarc=fail \(p=reject dis=none\) header\.from=pct\.example$/);
  });

  test('alignment: a subdomain signature passes under relaxed alignment, and is refused under strict (adkim=s)', async () => {
    const relaxed = await delivered(await send({ from: 'gina@relaxed.example', signer: 'mail.relaxed.example' }));
    assert.equal(result(relaxed, 'dkim'), 'pass');
    assert.equal(result(relaxed, 'dmarc'), 'pass');
    refused(await send({ from: 'gina@strict.example', signer: 'mail.strict.example' }));
  });

  test('a forwarded message: SPF fails at the forwarder, the original DKIM signature survives, DMARC passes', async () => {
    const msg = await delivered(await send({ from: 'alice@pass.example', signer: 'pass.example', ip: FORWARDER_IP }));
    assert.equal(result(msg, 'spf'), 'fail');
    assert.equal(result(msg, 'dkim'), 'pass');
    assert.equal(result(msg, 'dmarc'), 'pass');
  });

  test('an incoming Authentication-Results header with our authserv-id is removed before DMARC reads it', async () => {
    const forged = (d: string, id = 'example.com') =>
      `Authentication-Results: ${id}; dkim=pass header.d=${d}; spf=pass smtp.mailfrom=${d}; dmarc=pass header.from=${d}\r\n`;
    // Our id as written, in other letter cases, and folded or with a comment (RFC 8601 allows both).
    for (const id of ['example.com', 'EXAMPLE.Com', '\r\n\texample.com', '(ours) example.com'])
      refused(await send({ from: 'mallory@reject.example', extra: forged('reject.example', id) }));
    // Nor is an SPF result that arrives with the message believed: OpenDMARC checks SPF itself.
    const spf =
      'Received-SPF: pass (example.com: domain of mallory@reject.example designates 192.0.2.10 as permitted sender) client-ip=192.0.2.10; envelope-from=mallory@reject.example;\r\n';
    refused(await send({ from: 'mallory@reject.example', extra: spf }));
    const other = 'Authentication-Results: relay.other.example; spf=pass smtp.mailfrom=pass.example\r\n';
    const msg = await delivered(
      await send({ from: 'alice@pass.example', signer: 'pass.example', extra: `${forged('pass.example')}${other}` }),
    );
    assert.ok(!results(msg).some((h) => h.includes('dkim=pass header.d=pass.example; spf=pass')), results(msg).join('\n'));
    // Another server's header stays: it is not ours to judge.
    assert.ok(
      results(msg).some((h) => h.startsWith('relay.other.example;')),
      results(msg).join('\n'),
    );
  });

  test('the milters run as their own users, not root; their socket directories admit only them and postfix', () => {
    for (const name of ['opendkim', 'opendmarc'] as const) {
      const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${node.milters.pid(name)}/status`, 'utf8'));
      const expected = new RegExp(`^${name}:[^:]*:(\\d+):`, 'm').exec(readFileSync('/etc/passwd', 'utf8'))?.[1];
      assert.ok(expected, name);
      assert.deepEqual([uid?.[1], uid?.[2]], [expected, expected], name);
      const dir = statSync(name === 'opendkim' ? node.mta.paths.opendkimRun : node.mta.paths.opendmarcRun);
      const postfix = /^postfix:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1];
      assert.deepEqual([dir.uid, dir.gid, dir.mode & 0o777], [Number(expected), Number(postfix), 0o750], name);
    }
  });

  test('the healthcheck probes every milter of smtpd_milters (the two ARC steps, opendkim, OpenDMARC), and all answer', async () => {
    const smtpdMilters = execFileSync('postconf', ['-c', node.mta.paths.postfixConf, '-h', 'smtpd_milters'], { encoding: 'utf8' });
    const checks = healthChecks(healthFacts({ variant: 'full', smtpdMilters })).filter((c) => c.probe.what.startsWith('milter on'));
    assert.equal(checks.length, 4, smtpdMilters);
    for (const c of checks) assert.equal(await probe(c.target, c.probe), undefined, c.probe.what);
  });

  test('mail from MYNETWORKS and from DMARC_IGNORE_DOMAINS is not judged', async () => {
    const local = await delivered(await send({ from: 'app@reject.example', ip: '127.0.0.1' }));
    assert.ok(!results(local).some((h) => /dmarc=/.test(h)), results(local).join('\n'));
    const ignored = await delivered(await send({ from: 'list@ignored.example' }));
    assert.ok(!results(ignored).some((h) => /dmarc=/.test(h)), results(ignored).join('\n'));
  });
});

// What postfix logged, read as the guard and the metrics sidecar read it: the DMARC verdicts in order.
type Verdict = Extract<MailLogEvent, { kind: 'dmarc' }>;
const verdicts = (): Verdict[] =>
  readFileSync(join(node.mta.paths.logDir, 'postfix', 'current'), 'utf8')
    .split('\n')
    .map((l) => parseMailLog(l, 'postfix'))
    .filter((e): e is Verdict => e?.kind === 'dmarc');

describe('DMARC verdicts in the log and on the bus', { timeout: 120_000 }, () => {
  test('each verdict is one event (mta.dmarc.*), and a HELO imitating a verdict fakes none', async () => {
    const fake = (result: string, domain: string) => `x>: mta-dmarc result=${result} policy=none disposition=none domain=${domain}`;
    const before = verdicts().length;
    refused(await send({ from: 'mallory@reject.example', helo: fake('pass', 'reject.example') }));
    await delivered(await send({ from: 'alice@pass.example', signer: 'pass.example', helo: fake('fail', 'pass.example') }));
    await delivered(await send({ from: 'dave@quar.example' }));
    const expected = [
      { result: 'fail', policy: 'reject', refused: true, domain: 'reject.example' },
      { result: 'pass', policy: 'reject', refused: false, domain: 'pass.example' },
      { result: 'fail', policy: 'quarantine', refused: false, domain: 'quar.example' },
    ];
    const logged = await eventually(
      () => (verdicts().length >= before + 3 ? verdicts().slice(before) : undefined),
      10_000,
      'verdicts logged',
    );
    assert.deepEqual(
      logged.map(({ result, policy, refused, domain }) => ({ result, policy, refused, domain })),
      expected,
    );
    // The guard follows the log at its own pace: the events of these three messages, by queue id.
    const ids = logged.map((e) => e.queueId);
    const bus = await eventually(
      () => {
        const d = events.events.filter((e) => e.subject.startsWith('mta.dmarc.') && ids.includes(String(e.data.queueId)));
        return d.length >= 3 ? d : undefined;
      },
      20_000,
      'mta.dmarc events',
    );
    assert.deepEqual(
      bus.map((e) => e.subject),
      ['mta.dmarc.refused', 'mta.dmarc.pass', 'mta.dmarc.fail'],
    );
    assert.deepEqual(
      bus.map(({ data: { result, policy, refused, domain } }) => ({ result, policy, refused, domain })),
      expected,
    );
    assert.deepEqual(
      bus.map((e) => e.data.queueId),
      logged.map((e) => e.queueId),
    );
  });
});

describe('DNS unreachable (enforce)', { timeout: 120_000 }, () => {
  test('OpenDMARC finds no record and nothing is refused: DMARC fails open, and says dmarc=none', async () => {
    await node.dns.stop();
    try {
      const msg = await delivered(await send({ from: 'mallory@reject.example' }));
      assert.equal(result(msg, 'dmarc'), 'none');
    } finally {
      node.dns = await startNsDns(node.ns, node.world.records);
    }
  });
});

describe('DMARC_POLICY=tag', { timeout: 120_000 }, () => {
  test('a p=reject failure is delivered, marked as failed for the spam path; nothing is refused', async () => {
    const r = await node.mta.reseed({ ...ENV, DMARC_POLICY: 'tag', FORCE_CONFIG: 'yes' });
    assert.equal(r.status, 'applied');
    await node.milters.stop();
    node.milters = await startMilters(node.ns, node.mta.paths);
    const msg = await delivered(await send({ from: 'mallory@reject.example' }));
    hasResult(msg, /^example\.com; dmarc=fail \(p=reject dis=none\) header\.from=reject\.example$/);
    refusedNone(await send({ from: 'gina@strict.example', signer: 'mail.strict.example' }));
  });
});
