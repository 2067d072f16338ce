import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateRsaKey } from '@mta/dkim-keys/generate';
import { inspectKey } from '@mta/dkim-keys/keyinfo';
import { renderAmavisSnippet } from '@mta/dkim-keys/snippet';
import { dkimRecordName, keyFileName, mtaPaths } from '@mta/shared';
import { verifyDkimMailauth } from '../dkim/verify.ts';
import { type DnsServer, startDns } from '../harness/dns.ts';
import { eventually } from '../harness/net.ts';
import { type FilterChain, startFilterChain } from './chain.ts';
import { dkimSign, dkimVerify } from './dkim-tools.ts';
import { headerOf, plainMail } from './messages.ts';

const OUR = { domain: 'example.com', selector: 'default' };
const FOREIGN = { domain: 'signer.test', selector: 'mail' };

// Keys come from the dkim-keys sidecar's own generator and snippet renderer: one implementation of both.
async function makeKey(id: { domain: string; selector: string }, dns: DnsServer) {
  const pem = await generateRsaKey(2048);
  const info = inspectKey(pem);
  if (!info.ok) throw new Error(info.reason);
  dns.records.txt[dkimRecordName(id)] = [info.info.dnsValue];
  return pem;
}

describe('DKIM: amavis signs originating mail and verifies inbound signatures', { timeout: 120_000 }, () => {
  let dns: DnsServer;
  let c: FilterChain;
  let foreignKeyFile: string;
  before(async () => {
    dns = await startDns();
    const ourKey = await makeKey(OUR, dns);
    const foreignKey = await makeKey(FOREIGN, dns);
    c = await startFilterChain({
      // Only 127.0.0.2 is "our network": mail from there originates here, mail from 127.0.0.1 is inbound.
      env: { MYNETWORKS: '127.0.0.2/32' },
      dns,
      beforeStart: (root) => {
        const paths = mtaPaths(root);
        mkdirSync(paths.dkim, { recursive: true, mode: 0o755 });
        const file = join(paths.dkim, keyFileName(OUR));
        writeFileSync(file, ourKey, { mode: 0o640 });
        chownSync(file, 0, Number(execFileSync('id', ['-g', 'amavis']).toString()));
        writeFileSync(paths.amavisDkim, renderAmavisSnippet([{ ...OUR, file }], OUR.selector));
        foreignKeyFile = join(root, 'foreign.pem');
        writeFileSync(foreignKeyFile, foreignKey);
        chmodSync(foreignKeyFile, 0o600);
      },
    });
  });
  after(async () => {
    await c?.stop();
    await dns?.stop();
  });

  it('signs mail from mynetworks for our domain; Mail::DKIM and mailauth say pass via the published TXT', async () => {
    const r = await c.mail('alice@example.com', 'carol@remote.test', 'dkim-out', 'signed', ['--local-interface', '127.0.0.2']);
    assert.equal(r.status, 0, r.output);
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('Subject: dkim-out')), 30_000, 'outbound delivered');
    assert.match(headerOf(m.raw, 'DKIM-Signature')[0] ?? '', /\bd=example\.com;.*\bs=default;/);
    assert.deepEqual(await dkimVerify(m.raw, dns.port), { result: 'pass', detail: 'pass', domain: 'example.com' });
    // mailauth, as the acceptance asks: a second, independent implementation against the same published TXT.
    assert.deepEqual(await verifyDkimMailauth(m.raw, dns.port), ['example.com/default=pass']);
  });

  it('does not sign mail that merely claims our domain from outside mynetworks', async () => {
    await c.mail('alice@example.com', 'bob@example.com', 'dkim-spoof', 'x');
    const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes('Subject: dkim-spoof')), 30_000, 'spoof delivered');
    assert.deepEqual(headerOf(m.raw, 'DKIM-Signature'), []);
  });

  it('marks an inbound signature pass, and fail when the body was changed after signing', async () => {
    const send = async (subject: string, tamper: boolean) => {
      const raw = plainMail('news@signer.test', 'bob@example.com', subject, 'original body');
      const signed = await dkimSign(raw, { ...FOREIGN, keyFile: foreignKeyFile });
      const r = await c.send('news@signer.test', 'bob@example.com', tamper ? signed.replace('original body', 'altered body') : signed);
      assert.equal(r.status, 0, r.output);
    };
    await send('dkim-in-good', false);
    await send('dkim-in-bad', true);
    const results = async (subject: string) => {
      const m = await eventually(() => c.sink.mails.find((x) => x.raw.includes(`Subject: ${subject}`)), 30_000, subject);
      return headerOf(m.raw, 'Authentication-Results').join('\n');
    };
    assert.match(await results('dkim-in-good'), /\(amavis\);\s*dkim=pass .*header\.d=signer\.test/);
    assert.match(await results('dkim-in-bad'), /\(amavis\);\s*dkim=fail .*header\.d=signer\.test/);
  });
});
