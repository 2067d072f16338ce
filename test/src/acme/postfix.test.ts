import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV1, acmeV2, type Issued, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { certificateStatus } from '@mta/cli/commands/status-cert';
import { DAY_MS, mtaPaths } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { type Daemon, eventually, freePort, type NatsServer, type Postfix, startNats, startPostfix } from '../harness/index.ts';
import { collectEvents, type Event, isRunning, startAcmeSidecar } from './sidecar.ts';
import { type AcmeRoot, acmeRoot, HOST } from './stage.ts';
import { opensslServedSerial, smtpStartTlsCert, smtpStartTlsSession } from './tls.ts';

describe('acme-watch with a real postfix', { timeout: 60_000 }, () => {
  let root: AcmeRoot;
  let ca: TestCa;
  let nats: NatsServer;
  let postfix: Postfix;
  let sidecar: Daemon;
  let bus: { events: Event[]; nc: NatsConnection; since: (n: number) => Event[] };
  let port: number;
  let port2: number;
  let acmeFile: string;
  let pfEtc: string;
  const replace = (content: string) => root.replace(content);
  // On failure the error carries both logs' tails (no key material is ever logged).
  const served = async (serial: string, p = port) =>
    eventually(async () => (await smtpStartTlsCert(p)).serial === serial, 10_000, `port ${p} serving ${serial}`).catch((e: Error) => {
      throw new Error(`${e.message}\n--- sidecar\n${sidecar.output().slice(-4000)}\n--- maillog\n${postfix.output().slice(-4000)}`);
    });
  const subjects = (evs: Event[]) => evs.map((e) => e.subject);

  before(async () => {
    // The seed's state before any ACME certificate: TLS on with a self-signed cert/key pair.
    root = await acmeRoot('mta-acme-pf-');
    ({ port, pfEtc, acmeFile } = root);
    ca = makeCa();
    nats = await startNats();
    bus = await collectEvents(nats.url);
    port2 = await freePort();
    // A second listener stands in for submission (587): both read the same main.cf TLS settings.
    execFileSync('postconf', ['-c', pfEtc, '-M', `${port2}/inet=${port2} inet n - n - - smtpd`]);
    postfix = await startPostfix(pfEtc, port);
    assert.equal((await smtpStartTlsCert(port)).serial, root.self.serial);
    sidecar = startAcmeSidecar({
      MTA_ROOT: root.dir,
      ACME_FILE: acmeFile,
      HOSTNAME: HOST,
      MAIL_DOMAIN: 'example.com',
      NATS_URL: nats.url,
      // ACME_POSTHOOK unset: the default `postfix reload` must reach the postfix of MTA_ROOT.
    });
  });

  after(async () => {
    await sidecar?.stop();
    await postfix?.stop();
    await bus?.nc.close();
    await nats?.stop();
    await root?.cleanup();
  });

  let first: Issued;
  it('installs the certificate of a v2 acme.json that appears after start', async () => {
    await new Promise((r) => setTimeout(r, 500)); // the sidecar is up and waiting for the file
    first = issue(ca, { cn: HOST });
    await replace(acmeV2({ letsencrypt: [{ main: HOST, cert: first }] }));
    await served(first.serial);
    await served(first.serial, port2);
    assert.equal(await opensslServedSerial(port), first.serial);
    assert.equal(await opensslServedSerial(port2), first.serial);

    const acme = join(root.dir, 'srv/etc/ssl/acme');
    const chain = readFileSync(join(acme, 'chain.pem'), 'utf8');
    assert.match(chain, /^-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----/);
    assert.equal(statSync(join(acme, 'chain.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(acme, 'key.pem')).mode & 0o777, 0o600);
    assert.equal(postfix.postconf('-h', 'smtpd_tls_chain_files').trim(), join(acme, 'chain.pem'));
    assert.equal(postfix.postconf('-h', 'smtpd_tls_cert_file').trim(), '');
    const status = await certificateStatus(mtaPaths(root.dir));
    assert.equal(status[0], `certificate: CN=${HOST} (acme ${acmeFile} (resolver letsencrypt))`);
    assert.equal(status[3], `  serial: ${first.serial}`);

    const installed = await eventually(() => bus.events.find((e) => e.subject === 'mta.acme.cert.installed'), 5000, 'installed event');
    assert.equal(installed.data.serial, first.serial);
    assert.deepEqual(installed.data.domains, [HOST]);
    assert.equal(installed.data.resolver, 'letsencrypt');
    assert.doesNotMatch(installed.raw, /PRIVATE KEY|BEGIN/);
    const hook = await eventually(() => bus.events.find((e) => e.subject === 'mta.hook.ran'), 5000, 'hook event');
    assert.deepEqual([hook.data.command, hook.data.exitCode, hook.data.state], ['postfix reload', 0, 'reloaded']);
  });

  it('picks up a rotation (rename of a newer v3 file) within a couple of seconds', async () => {
    const second = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 120 * DAY_MS) });
    const t0 = performance.now();
    await replace(
      acmeV2(
        {
          le: [
            { main: HOST, cert: first },
            { main: HOST, cert: second },
          ],
        },
        'v3',
      ),
    );
    await served(second.serial);
    const ms = performance.now() - t0;
    assert.ok(ms < 3000, `rotation took ${Math.round(ms)} ms`);
    await served(second.serial, port2);
  });

  let third: Issued;
  it('waits for a file written in two halves and installs it once, without an error event', async () => {
    const mark = bus.events.length;
    third = issue(ca, { cn: 'example.com', sans: ['example.com', `*.example.com`], notAfter: new Date(Date.now() + 150 * DAY_MS) });
    const text = acmeV1([{ main: 'example.com', sans: ['*.example.com'], cert: third }]);
    const half = Math.floor(text.length / 2);
    await writeFile(acmeFile, text.slice(0, half)); // in place, like Traefik
    await new Promise((r) => setTimeout(r, 200));
    await appendFile(acmeFile, text.slice(half));
    await served(third.serial);
    await new Promise((r) => setTimeout(r, 1500)); // past the settle window: a late retry must not act
    const evs = bus.since(mark);
    assert.deepEqual(
      subjects(evs).filter((s) => s.startsWith('mta.acme')),
      ['mta.acme.cert.installed'],
    );
    assert.equal(evs[0]?.data.serial, third.serial);
  });

  it('keeps serving the good certificate on truncated JSON, key mismatch, expired-only; then recovers', async () => {
    const waitRejected = async (mark: number, what: string) => {
      const ev = await eventually(() => bus.since(mark).find((e) => e.subject === 'mta.acme.cert.rejected'), 8000, `rejected (${what})`);
      assert.equal((await smtpStartTlsCert(port)).serial, third.serial, `still the good cert after ${what}`);
      assert.ok(isRunning(sidecar), `sidecar alive after ${what}`);
      assert.doesNotMatch(ev.raw, /PRIVATE KEY/);
      return ev;
    };
    let mark = bus.events.length;
    const good = acmeV2({ le: [{ main: HOST, cert: issue(ca, { cn: HOST }) }] });
    await replace(good.slice(0, good.length - 40));
    assert.match(String((await waitRejected(mark, 'truncated')).data.reason), /not valid JSON/);

    mark = bus.events.length;
    const a = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 200 * DAY_MS) });
    const b = issue(ca, { cn: HOST });
    await replace(acmeV2({ le: [{ main: HOST, cert: a, keyPem: b.keyPem }] }));
    const mismatch = await waitRejected(mark, 'key mismatch');
    assert.equal(mismatch.data.reason, 'private key does not match the certificate');
    assert.equal(mismatch.data.serial, a.serial);

    mark = bus.events.length;
    const old = issue(ca, { cn: HOST, notBefore: new Date(Date.now() - 100 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
    await replace(acmeV2({ le: [{ main: HOST, cert: old }] }));
    assert.match(String((await waitRejected(mark, 'expired')).data.reason), /^expired on/);

    mark = bus.events.length;
    const fixed = issue(ca, { cn: HOST });
    await replace(
      acmeV2({
        le: [
          { main: HOST, cert: old },
          { main: HOST, cert: fixed },
        ],
      }),
    );
    await served(fixed.serial);
    await eventually(
      () => bus.since(mark).some((e) => e.subject === 'mta.acme.cert.installed' && e.data.serial === fixed.serial),
      5000,
      'event',
    );

    // The same certificate in another layout (and rewritten again) is not installed a second time.
    mark = bus.events.length;
    await replace(acmeV1([{ main: HOST, cert: fixed }]));
    await new Promise((r) => setTimeout(r, 1000));
    await replace(
      acmeV1([
        { main: HOST, cert: fixed },
        { main: HOST, cert: old },
      ]),
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(subjects(bus.since(mark)), []);
    assert.ok(isRunning(sidecar));
  });

  it('rotates without a postfix reload: new sessions get the new certificate with and without SNI, open ones go on', async () => {
    const reloads = () => postfix.output().match(/postfix\/master\[\d+\]: reload/g)?.length ?? 0;
    const before = reloads();
    const open = await smtpStartTlsSession(port);
    const mark = bus.events.length;
    const next = issue(ca, { cn: HOST });
    await replace(acmeV2({ le: [{ main: HOST, cert: next }] }));
    await served(next.serial);
    // Every later session, on either listener and with or without SNI (SNI table or default chain), has it.
    for (const p of [port, port2]) {
      assert.equal((await smtpStartTlsCert(p, 5000, null)).serial, next.serial, `port ${p} without SNI`);
      assert.equal((await smtpStartTlsCert(p)).serial, next.serial, `port ${p} with SNI`);
      assert.equal(await opensslServedSerial(p), next.serial);
    }
    assert.notEqual(open.serial, next.serial);
    assert.match(await open.command('NOOP'), /^250 /, 'the session opened before the rotation still works');
    open.close();

    const hook = await eventually(() => bus.since(mark).find((e) => e.subject === 'mta.hook.ran'), 5000, 'hook event');
    assert.deepEqual([hook.data.command, hook.data.exitCode, hook.data.state], ['postfix reload', 0, 'not needed']);
    assert.equal(reloads(), before, 'postfix was not reloaded');
    // How: an smtpd that still has the old SNI index open exits before it accepts another connection.
    const retired = /smtpd\[\d+\]: table hash:.*\/sni\(.*\) has changed -- restarting/;
    await eventually(async () => (await smtpStartTlsCert(port)) && retired.test(postfix.output()), 5000, 'an old smtpd retired');
    const acme = join(root.dir, 'srv/etc/ssl/acme');
    assert.equal(statSync(join(acme, 'sni.db')).mode & 0o777, 0o600, 'the SNI index holds the private key');
  });
});
