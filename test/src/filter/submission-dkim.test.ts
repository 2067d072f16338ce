import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { generateRsaKey } from '@mta/dkim-keys/generate';
import { inspectKey } from '@mta/dkim-keys/keyinfo';
import { renderAmavisSnippet } from '@mta/dkim-keys/snippet';
import { renderFilter } from '@mta/seed/amavis/index';
import { filterLayout } from '@mta/seed/amavis/layout';
import { renderers } from '@mta/seed/renderers';
import { dkimRecordName, keyFileName } from '@mta/shared';
import { startDovecot } from '../dovecot/start-dovecot.ts';
import { startDns } from '../harness/dns.ts';
import { eventually, fileScope, type SeededPostfix, seededPostfix, startSink } from '../harness/index.ts';
import { dataReply, type Login, submit } from '../submission/submit.ts';
import { amavisFilter, startFilterDaemons } from './chain.ts';
import { dkimVerify } from './dkim-tools.ts';
import { headerOf } from './messages.ts';

const cleanups = fileScope();

// Two hosted domains with DKIM keys: amavis would sign for either. A third hosted domain has no key.
const KEYED = ['example.com', 'other.test'];
const ALICE: Login = { user: 'alice', password: 'alice-pw-1' };
const NEWS: Login = { user: 'news', password: 'news-pw-1' };
const FREE: Login = { user: 'relay', password: 'relay-pw-1' };

describe('DKIM on submission: nothing is signed for a domain the login may not use (real amavis)', { timeout: 300_000 }, () => {
  let mta: SeededPostfix;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let dnsPort = 0;
  before(async () => {
    const dns = cleanups.keep(await startDns());
    dnsPort = dns.port;
    sink = cleanups.keep(await startSink());
    const filter = await amavisFilter(await cleanups.dir());
    mta = cleanups.keep(
      await seededPostfix({
        variant: 'full',
        renderers: [...renderers.filter((r) => r !== renderFilter), filter.renderer],
        env: {
          MAIL_DOMAIN: `${KEYED.join(' ')} nokey.test`,
          SMTPD_USE_TLS: 'yes',
          VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
          SMTP_RELAY_HOSTAUTH: `[127.0.0.1]:${sink.port}`,
          SMTP_TLS_SECURITY_LEVEL: 'none',
          SA_TAG_LEVEL_DEFLT: '-999',
          // alice: limited to her address (the login); news: an application limited to a domain without a
          // key; relay: an application nobody limited (free: the control showing amavis signs what it is given).
          SMTPD_SASL_CLIENTAUTH: `${ALICE.user}:{plain}${ALICE.password} ${NEWS.user}:{plain}${NEWS.password} ${FREE.user}:{plain}${FREE.password}`,
          SMTPD_SASL_SENDERS: `${ALICE.user}:alice@example.com ${NEWS.user}:@nokey.test`,
        },
      }),
    );
    cleanups.keep(await startDovecot(mta.paths));
    const layout = filterLayout(mta.paths);
    const daemons = await startFilterDaemons({
      root: mta.root,
      layout,
      dns,
      amavisLog: filter.amavisLog,
      amavisPort: filter.amavisPort,
      beforeStart: async () => {
        mkdirSync(mta.paths.dkim, { recursive: true, mode: 0o755 });
        const amavisGid = Number(execFileSync('id', ['-g', 'amavis']).toString());
        const keys = [];
        for (const domain of KEYED) {
          const id = { domain, selector: 'default' };
          const pem = await generateRsaKey(2048);
          const info = inspectKey(pem);
          if (!info.ok) throw new Error(info.reason);
          dns.records.txt[dkimRecordName(id)] = [info.info.dnsValue];
          const file = join(mta.paths.dkim, keyFileName(id));
          writeFileSync(file, pem, { mode: 0o640 });
          chownSync(file, 0, amavisGid);
          keys.push({ ...id, file });
        }
        writeFileSync(mta.paths.amavisDkim, renderAmavisSnippet(keys, 'default'));
      },
    });
    cleanups.defer(() => daemons.clamd.stop());
    cleanups.defer(() => daemons.amavis.stop());
  });

  const send = (login: Login, envelope: string, subject: string, headers: string[]) =>
    submit({
      port: mta.ports.submission!,
      login,
      envelope,
      to: 'carol@remote.test',
      headers: [...headers, 'To: carol@remote.test', `Subject: ${subject}`],
    });
  const delivered = (subject: string) => eventually(() => sink.mails.find((m) => m.raw.includes(`Subject: ${subject}`)), 90_000, subject);
  const signers = (raw: string) => headerOf(raw, 'DKIM-Signature').map((h) => /\bd=([^;\s]+)/.exec(h)?.[1]);

  test("the issue's attack: alice, limited to alice@example.com, with From: Boss <boss@other.test> is refused; nothing reaches the next hop", async () => {
    assert.match(dataReply(await send(ALICE, 'alice@example.com', 'attack-from', ['From: Boss <boss@other.test>'])), /^550 5\.7\.1 From: /);
    assert.match(dataReply(await send(ALICE, 'alice@example.com', 'own-from', ['From: Alice <alice@example.com>'])), /^250 /);
    const own = await delivered('own-from');
    assert.deepEqual(signers(own.raw), ['example.com']);
    assert.deepEqual(await dkimVerify(own.raw, dnsPort), { result: 'pass', detail: 'pass', domain: 'example.com' });
    assert.equal(
      sink.mails.find((m) => m.raw.includes('Subject: attack-from')),
      undefined,
    );
  });

  test('the control: a login free to use any sender gets other.test signed, so the refusals above are what stops it', async () => {
    assert.match(dataReply(await send(FREE, 'relay@example.com', 'free-from', ['From: Boss <boss@other.test>'])), /^250 /);
    assert.deepEqual(signers((await delivered('free-from')).raw), ['other.test']);
    // amavis falls back to Sender and Resent-* when From's domain has no key.
    assert.match(dataReply(await send(FREE, 'x@nokey.test', 'free-sender', ['From: x@nokey.test', 'Sender: boss@other.test'])), /^250 /);
    assert.deepEqual(signers((await delivered('free-sender')).raw), ['other.test']);
  });

  test("a login owning a domain without a key cannot borrow another domain's key through Sender or Resent-From", async () => {
    for (const extra of ['Sender: boss@other.test', 'Resent-From: boss@other.test', 'Resent-Sender: boss@example.com']) {
      const subject = `borrow-${extra.split(':')[0]}`;
      assert.match(dataReply(await send(NEWS, 'x@nokey.test', subject, ['From: x@nokey.test', extra])), /^550 5\.7\.1 /, extra);
    }
    assert.match(dataReply(await send(NEWS, 'x@nokey.test', 'news-own', ['From: News <x@nokey.test>'])), /^250 /);
    assert.deepEqual(signers((await delivered('news-own')).raw), []);
    assert.equal(sink.mails.filter((m) => /Subject: borrow-/.test(m.raw)).length, 0);
  });
});
