import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { AMAVIS_RELOAD_GAP_MS, mtaPaths } from '@mta/shared';
import nodemailer from 'nodemailer';
import { type Daemon, eventually, freePort, startDaemon, tempRoot, waitForPort } from '../harness/index.ts';
import { type Sink, startSink } from '../harness/sink.ts';
import { startTxtServer, type TxtServer } from './dns.ts';
import { startSidecarProcess, writeAmavisConf } from './helpers.ts';
import { verifyDkim, verifyDkimMailauth } from './verify.ts';

const exec = promisify(execFile);

describe('amavis signs with the keys dkim-keys manages', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let dns: TxtServer;
  let sink: Sink;
  let sidecar: Daemon;
  let amavis: Daemon;
  let amavisPort: number;
  const paths = () => mtaPaths(root.dir);

  // What a user publishes: the strings of our TXT file go into (our loopback) DNS.
  const publish = async (domain: string) => {
    const txt = await readFile(join(paths().dkim, `${domain}.default._domainkey.txt`), 'utf8');
    dns.set(
      `default._domainkey.${domain}`,
      [...txt.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''),
    );
  };
  const send = async (from: string): Promise<string> => {
    const count = sink.mails.length;
    const t = nodemailer.createTransport({ host: '127.0.0.1', port: amavisPort, secure: false, ignoreTLS: true, name: 'client.a.test' });
    await t.sendMail({ from, to: 'someone@remote.test', subject: `hello from ${from}`, text: 'signed, I hope\n' });
    t.close();
    return eventually(() => sink.mails[count]?.raw, 15_000, 'message forwarded by amavis');
  };

  before(async () => {
    root = await tempRoot('mta-dkim-sign-');
    dns = await startTxtServer();
    sink = await startSink();
    sidecar = startSidecarProcess(root.dir, { MAIL_DOMAIN: 'a.test' });
    await eventually(() => sidecar.output().includes('"event":"dkim.ready"'), 20_000, `sidecar ready\n${sidecar.output()}`);
    amavisPort = await freePort();
    const conf = await writeAmavisConf(root.dir, { port: amavisPort, forwardPort: sink.port, dnsPort: dns.port });
    amavis = startDaemon('amavisd', ['-c', conf, 'foreground']);
    await waitForPort(amavisPort, '127.0.0.1', 30_000).catch(async (e) => {
      throw new Error(
        `${e.message}\n${amavis.output()}\n${await readFile(join(root.dir, 'var/amavis/amavis.log'), 'utf8').catch(() => '')}`,
      );
    });
  });
  after(async () => {
    await sidecar?.stop();
    await amavis?.stop();
    await sink?.stop();
    await dns?.close();
    await root?.cleanup();
  });

  test('mail from a MAIL_DOMAIN is signed with its generated key and verifies against the TXT record', async () => {
    await publish('a.test');
    const msg = await send('user@a.test');
    assert.match(msg, /^DKIM-Signature: .*d=a\.test/m);
    assert.deepEqual(await verifyDkim(msg, dns.port), ['a.test/default=pass']);
    assert.deepEqual(await verifyDkimMailauth(msg, dns.port), ['a.test/default=pass']);
  });

  test('a key copied in while amavis runs is used for the next message from its domain', async () => {
    const tmp = join(root.dir, 'c.pem');
    await exec('openssl', ['genrsa', '-out', tmp, '2048']);
    await exec('cp', [tmp, join(paths().dkim, 'c.test.default.privkey.pem')]);
    await eventually(async () => (await readFile(paths().amavisDkim, 'utf8')).includes("dkim_key('c.test'"), 1000, 'snippet updated');
    // amavis started moments ago: its first reload waits until it has been up for the gap (a SIGHUP while it starts
    // would kill it, like one while it re-executes).
    await eventually(
      () => sidecar.output().includes('"event":"amavis.reload"'),
      AMAVIS_RELOAD_GAP_MS + 10_000,
      `amavis reloaded\n${sidecar.output()}`,
    );
    await publish('c.test');
    // amavis re-executes itself on SIGHUP; once it listens again, the very next message must be signed with c.test.
    await waitForPort(amavisPort, '127.0.0.1', 30_000);
    const msg = await send('user@c.test');
    assert.match(msg, /^DKIM-Signature: .*d=c\.test/m);
    assert.deepEqual(await verifyDkim(msg, dns.port), ['c.test/default=pass']);
    assert.deepEqual(await verifyDkimMailauth(msg, dns.port), ['c.test/default=pass']);
    // A tampered message must fail: the verifier really checks.
    assert.deepEqual(await verifyDkim(msg.replace('signed, I hope', 'signed, I hoped'), dns.port), ['c.test/default=fail']);
    assert.match(
      (await verifyDkimMailauth(msg.replace('signed, I hope', 'signed, I hoped'), dns.port)).join(),
      /^c\.test\/default=(fail|neutral)$/,
    );
  });
});
