import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '@mta/cli/program';
import { spamAssassinRules } from '@mta/seed/dmarc/headers';
import { dmarcSettings } from '@mta/seed/dmarc/settings';
import { mtaPaths, parseEnv } from '@mta/shared';
import { type FilterChain, startFilterChain } from '../filter/chain.ts';
import { headerOf, plainMail } from '../filter/messages.ts';
import { eventually } from '../harness/net.ts';

// The spam path of a DMARC failure: amavis with SpamAssassin and the seed's rule (mta-dmarc.cf), spam sent to the
// quarantine (FINAL_SPAM_DESTINY=D_DISCARD). No milters run in this chain: each message carries the header OpenDMARC
// writes (verdicts.test.ts shows the real one, and that a client's header with our authserv-id never gets this far).
const ENV = { MAIL_DOMAIN: 'example.com', FINAL_SPAM_DESTINY: 'D_DISCARD' };

function rules(): string {
  const parsed = parseEnv({ HOSTNAME: 'mx.example.com', ...ENV });
  if (!parsed.ok) throw new Error('environment');
  const s = dmarcSettings(parsed.config, mtaPaths('/'), 'full');
  if (!s) throw new Error('DMARC is on by default');
  return spamAssassinRules(s);
}

describe('DMARC failures under quarantine follow the spam destiny', { timeout: 180_000 }, () => {
  let c: FilterChain;
  before(async () => {
    c = await startFilterChain({ env: ENV, saRules: rules() });
  });
  after(async () => {
    await c?.stop();
  });

  const send = async (subject: string, results: string, extra = '') => {
    const r = await c.send(
      'dave@quar.example',
      'bob@example.com',
      plainMail('dave@quar.example', 'bob@example.com', subject, 'hello', `Authentication-Results: ${results}\r\n${extra}`),
    );
    assert.equal(r.status, 0, r.output);
  };
  const quarantined = async (subject: string) => {
    const lines: string[] = [];
    await runCli(['quarantine', 'ls', '--json'], { env: { MTA_ROOT: c.root }, out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return lines
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { subject: string; reason: string })
      .find((e) => e.subject === subject);
  };

  it('p=quarantine failing: scored as spam past the kill level and quarantined, never delivered', async () => {
    await send('dmarc-quarantine', 'example.com; dmarc=fail (p=quarantine dis=none) header.from=quar.example');
    const q = await eventually(() => quarantined('dmarc-quarantine'), 60_000, 'quarantined');
    assert.match(q.reason, /^SPAM, score \d+/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(c.sink.mails.filter((m) => m.raw.includes('dmarc-quarantine')).length, 0);
  });

  it('a pass, another server’s verdict, or a failure a trusted ARC sealer overrode is not ours to act on: delivered', async () => {
    await send('dmarc-pass', 'example.com; dmarc=pass (p=quarantine dis=none) header.from=quar.example');
    await send('dmarc-other-id', 'relay.other.example; dmarc=fail (p=quarantine dis=none) header.from=quar.example');
    // A failure a trusted ARC sealer overrode: the arc-milter's mark (arc.test.ts shows it made, and a forged one
    // removed before the queue).
    await send(
      'dmarc-arc-override',
      'example.com; dmarc=fail (p=quarantine dis=none) header.from=quar.example',
      'X-MTA-DMARC-Override: arc sealer=lists.example.org domain=quar.example policy=quarantine\r\n',
    );
    for (const subject of ['dmarc-pass', 'dmarc-other-id', 'dmarc-arc-override']) {
      const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes(`Subject: ${subject}`)), 60_000, `${subject} delivered`);
      assert.doesNotMatch(headerOf(m.raw, 'X-Spam-Status')[0] ?? '', /MTA_DMARC_POLICY_FAIL/);
    }
  });
});
