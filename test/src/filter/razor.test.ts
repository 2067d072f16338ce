import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../harness/net.ts';
import { type RazorServer, razorHomeFor, startRazor } from '../harness/razor.ts';
import { type FilterChain, startFilterChain } from './chain.ts';
import { headerOf } from './messages.ts';

// Razor through the real chain: SpamAssassin inside amavis asks a Razor server (a loopback stand-in speaking
// Razor's protocol) about every message, and the bound skips an unreachable one instead of waiting on it.
describe('Razor', { timeout: 240_000 }, () => {
  let c: FilterChain;
  let razor: RazorServer;
  before(async () => {
    razor = await startRazor({ spam: true });
    c = await startFilterChain({
      // Spam info headers on every message, so the rules that hit show in X-Spam-Status.
      env: { SA_TAG_LEVEL_DEFLT: '-999' },
      beforeStart: (root) => {
        razorHomeFor(join(root, 'var/amavis/.razor'), razor.port, join(root, 'razor.log'));
        // After local.cf (SpamAssassin reads *.cf in name order): a short skip, so the test sees Razor come back.
        writeFileSync(join(root, 'etc/spamassassin/zz-test.cf'), 'mta_razor_down_secs 3\n');
      },
    });
  });
  after(async () => {
    await c?.stop();
    await razor?.stop();
  });
  const send = async (subject: string) => {
    const r = await c.mail('alice@remote.test', 'bob@example.com', subject, `A message for Razor to look up: ${subject}.`);
    assert.equal(r.status, 0, r.output);
    return eventually(() => c.sink.mails.find((m) => m.raw.includes(`Subject: ${subject}`)), 60_000, subject);
  };

  it('is evaluated on every scanned message: one lookup each, and its verdict scores', async () => {
    const before = razor.checks();
    for (let i = 0; i < 4; i++) {
      const m = await send(`razor-each-${i}`);
      const status = headerOf(m.raw, 'X-Spam-Status')[0] ?? '';
      assert.match(status, /\bRAZOR2_CHECK\b/, status);
      assert.match(status, /\bRAZOR2_CF_RANGE_51_100\b/, status);
      assert.ok(razor.checks() - before >= i + 1, `lookups: ${razor.checks() - before} after ${i + 1} messages`);
    }
  });

  it('unreachable: skipped after the first lookup without an answer, used again once it answers', async () => {
    const down = join(c.layout.razorHome, 'mta-unreachable');
    const port = razor.port;
    await razor.stop();
    const first = await send('razor-down-0');
    assert.doesNotMatch(headerOf(first.raw, 'X-Spam-Status')[0] ?? '', /RAZOR2/);
    await eventually(() => existsSync(down), 10_000, 'the failure recorded');
    await eventually(() => /no Razor server answered; Razor is skipped/.test(c.amavis.output()), 10_000, 'said once');
    // Back at the same port; while skipped no message asks it.
    razor = await startRazor({ spam: true, port });
    const checks = razor.checks();
    await send('razor-down-1');
    assert.equal(razor.checks(), checks, 'skipped: no lookup');
    // The skip (3 s here) is over: the next message asks again, gets an answer, and the record is gone.
    await new Promise((r) => setTimeout(r, 3500));
    const back = await send('razor-back');
    assert.match(headerOf(back.raw, 'X-Spam-Status')[0] ?? '', /\bRAZOR2_CHECK\b/);
    assert.ok(razor.checks() > checks);
    await eventually(() => !existsSync(down), 10_000, 'the record cleared');
    assert.match(c.amavis.output(), /a Razor server answered again/);
    assert.equal((c.amavis.output().match(/no Razor server answered; Razor is skipped/g) ?? []).length, 1, 'said once per outage');
  });
});
