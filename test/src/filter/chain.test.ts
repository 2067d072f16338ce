import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { world } from '../dmarc/world.ts';
import { eventually } from '../harness/net.ts';
import { tempRoot } from '../harness/tmp.ts';
import { type FilterChain, startFilterChain } from './chain.ts';
import { dkimSign } from './dkim-tools.ts';
import { EICAR, GTUBE, headerOf, plainMail } from './messages.ts';

const quarantined = (c: FilterChain): string[] =>
  existsSync(c.layout.quarantine)
    ? readdirSync(c.layout.quarantine, { recursive: true, encoding: 'utf8' }).filter((f) => /(spam|virus)-/.test(f))
    : [];

describe('content filter chain with default destinies', { timeout: 120_000 }, () => {
  let c: FilterChain;
  let keys: Awaited<ReturnType<typeof tempRoot>>;
  let w: ReturnType<typeof world>;
  before(async () => {
    keys = await tempRoot('mta-chain-keys-');
    w = world(keys.dir);
    c = await startFilterChain({
      env: {},
      // A test rule that lands a message between TAG (2.0) and TAG2 (6.2).
      saRules: 'header MTA_TEST_MEDIUM Subject =~ /mta-medium-score/\nscore MTA_TEST_MEDIUM 4.0\n',
      // The port-25 milters on a second port (the bench's chain with milters); the other tests use the plain port.
      milters: { records: w.records },
    });
  });
  after(async () => {
    await c?.stop();
    await keys?.cleanup();
  });

  it('delivers clean mail through amavis and the reinjection listener, scanned', async () => {
    const r = await c.mail('alice@remote.test', 'bob@example.com', 'hello', 'just a note');
    assert.equal(r.status, 0, r.output);
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('Subject: hello')), 30_000, 'clean mail delivered');
    assert.deepEqual(m.to, ['bob@example.com']);
    assert.ok(headerOf(m.raw, 'X-Virus-Scanned').length, m.raw);
    assert.match(c.postfix.output(), /postfix\/reinject\/smtpd/);
    assert.match(c.postfix.output(), /relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+.*status=sent \(250 2\.0\.0 from MTA/);
  });

  it('amavis takes the commands of postfix one at a time: its EHLO reply offers no PIPELINING', async () => {
    const ehlo = await new Promise<string>((resolve, reject) => {
      const s = connect(c.ports.amavis, '127.0.0.1');
      let greeted = false;
      let reply = '';
      s.on('data', (d) => {
        if (!greeted) {
          greeted = true;
          s.write('EHLO mx.example.com\r\n');
          return;
        }
        reply += d;
        if (/^250 /m.test(reply)) {
          s.end('QUIT\r\n');
          resolve(reply);
        }
      });
      s.once('error', reject);
    });
    assert.match(ehlo, /^250-/m);
    assert.doesNotMatch(ehlo, /PIPELINING/i);
  });

  it('passes GTUBE with the spam flag and score by default (FINAL_SPAM_DESTINY=D_PASS)', async () => {
    await c.mail('spammer@remote.test', 'bob@example.com', 'gtube', GTUBE);
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('Subject: ***Spam*** gtube')), 30_000, 'GTUBE delivered');
    assert.deepEqual(headerOf(m.raw, 'X-Spam-Flag'), ['YES']);
    assert.ok(Number(headerOf(m.raw, 'X-Spam-Score')[0]) >= 999, m.raw);
  });

  it('adds info headers between TAG and TAG2 but no spam flag', async () => {
    await c.mail('news@remote.test', 'bob@example.com', 'mta-medium-score', 'hi');
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('mta-medium-score')), 30_000, 'medium mail delivered');
    const score = Number(headerOf(m.raw, 'X-Spam-Score')[0]);
    assert.ok(score >= 2 && score < 6.2, `score ${score}`);
    assert.match(headerOf(m.raw, 'X-Spam-Status')[0] ?? '', /MTA_TEST_MEDIUM/);
    assert.deepEqual(headerOf(m.raw, 'X-Spam-Flag'), ['NO']);
  });

  it('discards an EICAR attachment (FINAL_VIRUS_DESTINY=D_DISCARD) and quarantines it', async () => {
    const r = await c.attach('virus@remote.test', 'bob@example.com', 'eicar', 'eicar.com', EICAR);
    assert.equal(r.status, 0, r.output);
    const q = await eventually(() => quarantined(c).find((f) => f.includes('virus-')), 30_000, 'virus quarantined');
    assert.ok(existsSync(join(c.layout.quarantine, q)));
    await eventually(() => /Blocked INFECTED \(Mta-Test\.EICAR/.test(c.amavis.output()), 10_000, 'amavis logged the virus');
    assert.equal(c.sink.mails.filter((x) => x.raw.includes('Subject: eicar')).length, 0);
  });

  it('runs the port-25 milters on the milter port: a signed message of a p=reject domain passes DKIM and DMARC', async () => {
    const raw = await dkimSign(plainMail('alice@pass.example', 'bob@example.com', 'milters-pass', 'signed'), {
      domain: 'pass.example',
      selector: 'sel',
      keyFile: w.keyFile('pass.example'),
    });
    const milters = c.milters as NonNullable<FilterChain['milters']>;
    const r = await milters.send('alice@pass.example', 'bob@example.com', raw);
    assert.equal(r.status, 0, r.output);
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('Subject: milters-pass')), 30_000, 'signed mail delivered');
    const ours = headerOf(m.raw, 'Authentication-Results').filter((h) => h.startsWith('example.com;'));
    assert.ok(
      ours.some((h) => /^example\.com; dkim=pass .*header\.d=pass\.example/.test(h)),
      ours.join('\n'),
    );
    assert.ok(
      ours.some((h) => /^example\.com; dmarc=pass \(p=reject\b.*\) header\.from=pass\.example$/.test(h)),
      ours.join('\n'),
    );
    assert.ok(ours.includes('example.com; spf=pass smtp.mailfrom=pass.example'), ours.join('\n'));
    assert.ok(
      ours.some((h) => /^example\.com; arc=none\b/.test(h)),
      ours.join('\n'),
    );
    // Scanned too: the milter port feeds the same amavis.
    assert.ok(headerOf(m.raw, 'X-Virus-Scanned').length, m.raw);
  });

  it('refuses on the milter port a forgery of a p=reject domain in the session', async () => {
    const milters = c.milters as NonNullable<FilterChain['milters']>;
    const r = await milters.send(
      'mallory@reject.example',
      'bob@example.com',
      plainMail('mallory@reject.example', 'bob@example.com', 'forged', 'x'),
    );
    assert.match(
      r.output,
      /<\*\* 550 5\.7\.1 message refused: it fails DMARC and the From domain publishes p=reject: reject\.example\n/,
      r.output,
    );
    assert.equal(c.sink.mails.filter((x) => x.raw.includes('Subject: forged')).length, 0);
  });
});
