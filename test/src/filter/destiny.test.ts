import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../../cli/src/program.ts';
import { eventually } from '../harness/net.ts';
import { type FilterChain, startFilterChain } from './chain.ts';
import { attachmentMail, EICAR, GTUBE, headerOf, plainMail } from './messages.ts';

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
    const r = await c.send(
      'spammer@remote.test',
      'bob@example.com',
      plainMail('spammer@remote.test', 'bob@example.com', 'gtube-discard', GTUBE),
    );
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

  it('rejects EICAR: not delivered, quarantined, and the sender gets a 5xx non-delivery report', async () => {
    const r = await c.send(
      'sender@remote.test',
      'bob@example.com',
      attachmentMail('sender@remote.test', 'bob@example.com', 'eicar-reject', 'eicar.com', EICAR),
    );
    assert.equal(r.status, 0, r.output);
    const dsn = await eventually(
      () => c.sink.mails.find((m) => m.from === '' && m.to.includes('sender@remote.test')),
      30_000,
      'bounce to the sender',
    );
    assert.match(dsn.raw, /Status: 5\.7\.0/);
    assert.match(dsn.raw, /554 5\.7\.0 Reject/);
    assert.equal(c.sink.mails.filter((m) => m.to.includes('bob@example.com') && m.raw.includes('eicar-reject')).length, 0);
    const ls = await cli(c, 'quarantine', 'ls');
    assert.match(ls.out, /eicar-reject\s+INFECTED, message contains virus: Mta-Test\.EICAR/);
  });
});
