import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { DAY_MS } from '@mta/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type Daemon,
  dovecotTlsInclude,
  eventually,
  freePort,
  type NatsServer,
  type Postfix,
  startLoopbackDovecot,
  startNats,
  startPostfix,
} from '../harness/index.ts';
import { scaffoldDovecot, seedEffective } from './dovecot.ts';
import { collectEvents, type Event, startAcmeSidecar } from './sidecar.ts';
import { type AcmeRoot, acmeRoot, HOST } from './stage.ts';
import { implicitTlsCert, opensslServedSerial, smtpStartTlsCert } from './tls.ts';

describe('acme-watch with real postfix and dovecot', { timeout: 60_000 }, () => {
  let root: AcmeRoot;
  let ca: TestCa;
  let nats: NatsServer;
  let bus: { events: Event[]; nc: NatsConnection };
  let postfix: Postfix;
  let dovecot: Daemon | undefined;
  let sidecar: Daemon;
  let smtpPort: number;
  let imapsPort: number;
  let dovecotConf: string;

  before(async () => {
    root = await acmeRoot('mta-acme-dc-');
    ca = makeCa();
    nats = await startNats();
    bus = await collectEvents(nats.url);
    smtpPort = root.port;
    imapsPort = await freePort();
    // The seed's include: TLS options plus the self-signed pair, at mtaPaths(root).dovecotTls.
    dovecotConf = scaffoldDovecot(
      join(root.dir, 'etc/dovecot'),
      join(root.dir, 'dovecot'),
      imapsPort,
      `ssl_min_protocol = TLSv1.2\n${dovecotTlsInclude(`${root.selfDir}/cert.pem`, `${root.selfDir}/key.pem`)}`,
    );
    await seedEffective(root.dir, HOST);
    postfix = await startPostfix(root.pfEtc, smtpPort);
    sidecar = startAcmeSidecar({
      MTA_ROOT: root.dir,
      ACME_FILE: root.acmeFile,
      HOSTNAME: HOST,
      NATS_URL: nats.url,
      ACME_POSTHOOK: `postfix -c ${root.pfEtc} reload`,
    });
  });

  after(async () => {
    await sidecar?.stop();
    await dovecot?.stop();
    await postfix?.stop();
    await bus?.nc.close();
    await nats?.stop();
    await root?.cleanup();
  });

  it('installs while dovecot is stopped (reload skipped), and dovecot starts with the new files', async () => {
    const a = issue(ca, { cn: HOST });
    await root.replace(acmeV2({ le: [{ main: HOST, cert: a }] }));
    await eventually(async () => (await smtpStartTlsCert(smtpPort)).serial === a.serial, 10_000, 'postfix serving a');
    const include = readFileSync(join(root.dir, 'etc/dovecot/conf.d/99-mta-tls.conf'), 'utf8');
    assert.match(include, /^ssl_min_protocol = TLSv1\.2$/m);
    assert.ok(
      include.endsWith(dovecotTlsInclude(join(root.dir, 'srv/etc/ssl/acme/cert.pem'), join(root.dir, 'srv/etc/ssl/acme/key.pem'))),
      `the acme files, in the installed dovecot's syntax:\n${include}`,
    );
    dovecot = await startLoopbackDovecot(dovecotConf, imapsPort);
    assert.equal((await implicitTlsCert(imapsPort)).serial, a.serial);
    assert.ok(!/dovecot.*failed/i.test(sidecar.output()), 'a stopped dovecot is not an error');
  });

  it('rotates postfix and a running dovecot to a new certificate', async () => {
    const b = issue(ca, { cn: HOST, notAfter: new Date(Date.now() + 120 * DAY_MS) });
    await root.replace(acmeV2({ le: [{ main: HOST, cert: b }] }, 'v3'));
    await eventually(async () => (await implicitTlsCert(imapsPort)).serial === b.serial, 10_000, 'dovecot serving b');
    await eventually(async () => (await smtpStartTlsCert(smtpPort)).serial === b.serial, 10_000, 'postfix serving b');
    assert.equal(await opensslServedSerial(smtpPort), b.serial);
    assert.equal(await opensslServedSerial(imapsPort, null), b.serial);
    await eventually(() => bus.events.some((e) => e.subject === 'mta.acme.cert.installed' && e.data.serial === b.serial), 5000, 'event');
    assert.match(sidecar.output(), /"event":"acme.dovecot","state":"reloaded"/);
  });
});
