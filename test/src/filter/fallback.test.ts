import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually } from '../harness/net.ts';
import { type FilterChain, startFilterChain } from './chain.ts';
import { headerOf, plainMail } from './messages.ts';

const deferred = (c: FilterChain, subjectTag: string, n: number) =>
  eventually(
    () => {
      const q = c.queue().filter((e) => e.queue_name === 'deferred');
      return q.length >= n ? q : undefined;
    },
    30_000,
    `${n} ${subjectTag} messages deferred`,
  );

const sendBatch = async (c: FilterChain, tag: string, n: number) => {
  for (let i = 0; i < n; i++) {
    const r = await c.mail('alice@remote.test', 'bob@example.com', `${tag}-${i}`, 'hello');
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /250 2\.0\.0 Ok: queued/);
  }
};

describe('content filter fallback: mail waits in the queue, never bypasses the filter, never bounces', { timeout: 120_000 }, () => {
  const chains: FilterChain[] = [];
  after(async () => {
    for (const c of chains) await c.stop();
  });

  it('amavis stopped: accepted mail is deferred, then delivered once amavis is back, 0 lost', async () => {
    const c = await startFilterChain({ env: {} });
    chains.push(c);
    await c.amavis.stop();
    await sendBatch(c, 'amavis-down', 5);
    const q = await deferred(c, 'amavis-down', 5);
    assert.ok(
      q.every((e) => /smtp-amavis|127\.0\.0\.1.*(refused|connect)/i.test(e.recipients[0]?.delay_reason ?? '')),
      JSON.stringify(q),
    );
    assert.equal(c.sink.mails.length, 0, 'nothing delivered unscanned');

    await c.amavis.start();
    c.flush();
    await eventually(() => c.sink.mails.filter((m) => m.raw.includes('amavis-down-')).length === 5, 30_000, 'all 5 delivered');
    assert.ok(
      c.sink.mails.every((m) => headerOf(m.raw, 'X-Virus-Scanned').length === 1),
      'every delivered message was scanned',
    );
    assert.equal(c.sink.mails.filter((m) => m.from === '').length, 0, 'no bounce');
    await eventually(() => c.queue().length === 0, 10_000, 'queue empty');
  });

  it('clamd not ready: amavis answers 4xx, mail is deferred and delivered after clamd starts', async () => {
    const c = await startFilterChain({ env: {}, clamd: false });
    chains.push(c);
    await sendBatch(c, 'clamd-down', 2);
    const q = await deferred(c, 'clamd-down', 2);
    assert.ok(
      q.every((e) => /4\.\d\.\d/.test(e.recipients[0]?.delay_reason ?? '')),
      JSON.stringify(q),
    );
    assert.equal(c.sink.mails.length, 0, 'nothing delivered unscanned');

    await c.clamd.start();
    c.flush();
    await eventually(() => c.sink.mails.filter((m) => m.raw.includes('clamd-down-')).length === 2, 30_000, 'both delivered');
    assert.ok(c.sink.mails.every((m) => headerOf(m.raw, 'X-Virus-Scanned').length === 1));
    assert.equal(c.sink.mails.filter((m) => m.from === '').length, 0, 'no bounce');
  });

  it('with a D_REJECT destiny (amavis before the queue) and amavis stopped: the client gets a 4xx and keeps the mail', async () => {
    const c = await startFilterChain({ env: { FINAL_VIRUS_DESTINY: 'D_REJECT' } });
    chains.push(c);
    await c.amavis.stop();
    const mail = plainMail('alice@remote.test', 'bob@example.com', 'bq-down', 'hello');
    const r = await c.send('alice@remote.test', 'bob@example.com', mail);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /<\*\* 4\d\d 4\.\d\.\d/);
    // postfix tells the postmaster that the filter failed (sender double-bounce); the client's mail is not queued.
    assert.deepEqual(
      c.queue().filter((e) => e.sender === 'alice@remote.test'),
      [],
      'not taken into our queue unscanned',
    );
    assert.equal(c.sink.mails.filter((m) => m.raw.includes('bq-down')).length, 0, 'nothing delivered unscanned');

    await c.amavis.start();
    // The first message after amavis starts waits for a child's first scan before the client gets its reply (more than
    // swaks's 10 s on trixie's slower start under load); a real client waits up to smtpd_proxy_timeout (600 s).
    const again = await c.send('alice@remote.test', 'bob@example.com', mail, ['--timeout', '120']);
    assert.equal(again.status, 0, again.output);
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('bq-down')), 30_000, 'delivered on the retry');
    assert.equal(headerOf(m.raw, 'X-Virus-Scanned').length, 1);
  });
});
