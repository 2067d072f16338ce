import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DnsServer, startDns } from '../harness/dns.ts';
import { eventually } from '../harness/net.ts';
import { type FilterChain, startFilterChain } from './chain.ts';
import { headerOf, plainMail } from './messages.ts';

// SpamAssassin never judges loopback clients (127/8 is always trusted), so the message carries the hop where it
// entered from the internet, as a border relay (here Exim) records it, envelope sender included. SPF is evaluated
// for that address and sender; in the image our postfix is that border hop. The address is only text, never contacted.
const BORDER_IP = '11.22.33.44';
const entered = (helo: string, from: string) =>
  `Received: from ${helo} ([${BORDER_IP}] helo=${helo})\r\n\tby edge.example.com with esmtp (Exim 4.96)\r\n\t(envelope-from <${from}>)\r\n\tid 1tQ7a2-000Abc-3x\r\n\tfor bob@example.com; ${new Date().toUTCString()}\r\n`;

describe('SPF of inbound mail (SpamAssassin SPF plugin, test DNS on loopback)', { timeout: 120_000 }, () => {
  let dns: DnsServer;
  let c: FilterChain;
  before(async () => {
    dns = await startDns({
      txt: {
        'allowed.test': [`v=spf1 ip4:${BORDER_IP} -all`],
        'denied.test': ['v=spf1 ip4:198.51.100.7 -all'],
      },
    });
    // Tag everything so X-Spam-Status (with the rule names) is always added.
    c = await startFilterChain({ env: { SA_TAG_LEVEL_DEFLT: '-999' }, dns });
  });
  after(async () => {
    await c?.stop();
    await dns?.stop();
  });

  const deliver = async (domain: string) => {
    const from = `someone@${domain}`;
    const subject = `spf-${domain}`;
    const r = await c.send(from, 'bob@example.com', plainMail(from, 'bob@example.com', subject, 'hello', entered(`mx.${domain}`, from)));
    assert.equal(r.status, 0, r.output);
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes(`Subject: ${subject}`)), 30_000, `${subject} delivered`);
    return headerOf(m.raw, 'X-Spam-Status')[0] ?? '';
  };

  it('marks a sender whose SPF record excludes the sending host as SPF_FAIL and scores it', async () => {
    const status = await deliver('denied.test');
    assert.match(status, /\bSPF_FAIL=3\b/, status);
    assert.ok(
      dns.queries.some((q) => q.toLowerCase() === 'denied.test'),
      'SPF record was looked up on the test DNS',
    );
  });

  it('passes a sender whose SPF record allows the sending host', async () => {
    const status = await deliver('allowed.test');
    assert.match(status, /\bSPF_PASS=/, status);
    assert.doesNotMatch(status, /SPF_FAIL/);
  });
});
