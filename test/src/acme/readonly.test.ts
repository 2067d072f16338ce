import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV1, issue, makeCa } from '@mta/acme-watch/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type Daemon, eventually, freePort, type NatsServer, scaffoldConfig, startNats, tempRoot } from '../harness/index.ts';
import { collectEvents, type Event, startAcmeSidecar } from './sidecar.ts';

const HOST = 'mx.example.com';

// Like `-v proxy-acme:/acme:ro`: Traefik writes elsewhere, acme-watch sees the files through a read-only mount.
describe('acme-watch on a read-only mount', { timeout: 30_000 }, () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let nats: NatsServer;
  let bus: { events: Event[]; nc: NatsConnection };
  let sidecar: Daemon | undefined;
  let mounted = false;
  let traefikDir: string;
  let roDir: string;

  before(async () => {
    root = await tempRoot('mta-acme-ro-');
    nats = await startNats();
    bus = await collectEvents(nats.url);
    const pfEtc = scaffoldConfig(join(root.dir, 'pf'), await freePort(), {});
    mkdirSync(join(root.dir, 'etc'));
    symlinkSync(pfEtc, join(root.dir, 'etc/postfix'));
    traefikDir = join(root.dir, 'traefik');
    roDir = join(root.dir, 'acme');
    mkdirSync(traefikDir);
    mkdirSync(roDir);
    execFileSync('mount', ['--bind', traefikDir, roDir]);
    mounted = true;
    execFileSync('mount', ['-o', 'remount,bind,ro', roDir]);
    sidecar = startAcmeSidecar({
      MTA_ROOT: root.dir,
      ACME_FILE: join(roDir, 'acme.json'),
      HOSTNAME: HOST,
      NATS_URL: nats.url,
      ACME_POSTHOOK: '',
    });
  });

  after(async () => {
    await sidecar?.stop();
    if (mounted) execFileSync('umount', [roDir]);
    await bus?.nc.close();
    await nats?.stop();
    await root?.cleanup();
  });

  it('installs certificates Traefik writes (by rename, then in place) behind the read-only mount', async () => {
    assert.throws(() => execFileSync('touch', [join(roDir, 'probe')], { stdio: 'ignore' }), 'the mount is read-only');
    const ca = makeCa();
    const served = () => new X509Certificate(readFileSync(join(root.dir, 'srv/etc/ssl/acme/cert.pem'))).serialNumber.toUpperCase();
    const a = issue(ca, { cn: HOST });
    await writeFile(join(traefikDir, 'acme.json.tmp'), acmeV1([{ main: HOST, cert: a }]));
    await rename(join(traefikDir, 'acme.json.tmp'), join(traefikDir, 'acme.json'));
    await eventually(() => served() === a.serial, 10_000, 'first cert via ro mount');
    const b = issue(ca, { cn: HOST });
    await writeFile(join(traefikDir, 'acme.json'), acmeV1([{ main: HOST, cert: b }]));
    await eventually(() => served() === b.serial, 10_000, 'in-place rewrite via ro mount');
    const acme = () => bus.events.filter((e) => e.subject.startsWith('mta.acme')).map((e) => [e.subject, e.data.serial]);
    await eventually(() => acme().length >= 2, 5000, 'two events');
    assert.deepEqual(acme(), [
      ['mta.acme.cert.installed', a.serial],
      ['mta.acme.cert.installed', b.serial],
    ]);
  });
});
