import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '@mta/cli/program';
import { eventually } from '../harness/net.ts';
import { type FilterChain, startFilterChain } from './chain.ts';
import { EICAR, GTUBE, headerOf } from './messages.ts';

async function cli(c: FilterChain, ...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const io = { env: { MTA_ROOT: c.root }, out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const code = await runCli(argv, io);
  return { code, out: lines.join('\n') };
}

describe('content filter with FINAL_SPAM_DESTINY=D_DISCARD and FINAL_VIRUS_DESTINY=D_REJECT', { timeout: 120_000 }, () => {
  let c: FilterChain;
  before(async () => {
    c = await startFilterChain({ env: { FINAL_SPAM_DESTINY: 'D_DISCARD', FINAL_VIRUS_DESTINY: 'D_REJECT' } });
  });
  after(async () => {
    await c?.stop();
  });

  it('keeps GTUBE from the recipient, lists it in mta quarantine ls, and release delivers it', async () => {
    const r = await c.mail('spammer@remote.test', 'bob@example.com', 'gtube-discard', GTUBE);
    assert.equal(r.status, 0, r.output);
    const listed = await eventually(
      async () => {
        const ls = await cli(c, 'quarantine', 'ls', '--json');
        return ls.out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { id: string; subject: string; sender: string; recipients: string[]; reason: string })
          .find((e) => e.subject === 'gtube-discard');
      },
      30_000,
      'GTUBE in mta quarantine ls',
    );
    assert.equal(listed.sender, 'spammer@remote.test');
    assert.deepEqual(listed.recipients, ['bob@example.com']);
    assert.match(listed.reason, /^SPAM, score \d+/);
    const table = await cli(c, 'quarantine', 'ls');
    assert.match(table.out, new RegExp(`^${listed.id}\\s.*spammer@remote\\.test\\s+bob@example\\.com\\s+gtube-discard\\s+SPAM`, 'm'));
    // Give postfix a moment: a wrongly passed message would have reached the sink by now.
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal(c.sink.mails.filter((m) => m.raw.includes('gtube-discard')).length, 0);

    const rel = await cli(c, 'quarantine', 'release', listed.id);
    assert.equal(rel.code, 0, rel.out);
    assert.match(rel.out, new RegExp(`released ${listed.id} to bob@example.com: 250`));
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('gtube-discard')), 30_000, 'released mail delivered');
    assert.deepEqual(m.to, ['bob@example.com']);
    assert.ok(headerOf(m.raw, 'Subject')[0]?.endsWith('gtube-discard'), m.raw);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(c.sink.mails.filter((x) => x.raw.includes('gtube-discard')).length, 1, 'released exactly once');
  });

  it('rejects EICAR in the SMTP session: the client sees a 5xx, nothing is delivered or bounced, a copy is quarantined', async () => {
    const r = await c.attach('sender@remote.test', 'bob@example.com', 'eicar-reject', 'eicar.com', EICAR);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /<\*\* 554 5\.7\.0 Reject/);
    const ls = await eventually(
      async () => {
        const out = (await cli(c, 'quarantine', 'ls')).out;
        return /eicar-reject/.test(out) ? out : undefined;
      },
      30_000,
      'EICAR quarantined',
    );
    assert.match(ls, /eicar-reject\s+INFECTED, message contains virus: Mta-Test\.EICAR/);
    // The client keeps the responsibility: nothing of it in our queue, no delivery, no bounce from us.
    await new Promise((res) => setTimeout(res, 1000));
    assert.equal(c.sink.mails.filter((m) => m.raw.includes('eicar-reject') || m.to.includes('sender@remote.test')).length, 0);
    assert.deepEqual(c.queue(), []);
  });

  it('still delivers clean mail through the before-queue filter, scanned once', async () => {
    const r = await c.mail('alice@remote.test', 'bob@example.com', 'clean-bq', 'hello');
    assert.equal(r.status, 0, r.output);
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('clean-bq')), 30_000, 'clean mail delivered');
    assert.equal(headerOf(m.raw, 'X-Virus-Scanned').length, 1, m.raw);
  });
});
