import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { type Daemon, eventually, freePort, type NatsServer, scaffoldConfig, startNats, tempRoot } from '../harness/index.ts';
import { collectEvents, type Event, isRunning, startAcmeSidecar } from './sidecar.ts';

const HOST = 'mx.example.com';

// Running, not a zombie left for a reaper.
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('ACME_POSTHOOK failures never take the sidecar down', { timeout: 60_000 }, () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let ca: TestCa;
  let nats: NatsServer;
  let bus: { events: Event[]; nc: NatsConnection; since: (n: number) => Event[] };
  let sidecar: Daemon | undefined;
  let acmeFile: string;
  let env: Record<string, string>;

  const replace = async (content: string) => {
    await writeFile(`${acmeFile}.tmp`, content);
    await rename(`${acmeFile}.tmp`, acmeFile);
  };
  const restart = async (extra: Record<string, string>) => {
    await sidecar?.stop();
    sidecar = startAcmeSidecar({ ...env, ...extra });
  };
  const chainSerial = () => {
    const pem = readFileSync(join(root.dir, 'srv/etc/ssl/acme/cert.pem'), 'utf8');
    return new X509Certificate(pem).serialNumber.toUpperCase();
  };

  before(async () => {
    root = await tempRoot('mta-acme-hook-');
    ca = makeCa();
    nats = await startNats();
    bus = await collectEvents(nats.url);
    // postfix is configured (postconf works) but need not run for hook behaviour.
    const pfEtc = scaffoldConfig(join(root.dir, 'pf'), await freePort(), {});
    mkdirSync(join(root.dir, 'etc'));
    symlinkSync(pfEtc, join(root.dir, 'etc/postfix'));
    acmeFile = join(root.dir, 'acme/acme.json'); // the directory does not exist yet
    env = { MTA_ROOT: root.dir, ACME_FILE: acmeFile, HOSTNAME: HOST, NATS_URL: nats.url };
  });

  after(async () => {
    await sidecar?.stop();
    await bus?.nc.close();
    await nats?.stop();
    await root?.cleanup();
  });

  it('reports a failing hook, keeps the certificate and keeps running', async () => {
    await restart({ ACME_POSTHOOK: 'false' });
    await new Promise((r) => setTimeout(r, 500));
    mkdirSync(join(root.dir, 'acme')); // the volume appears after start
    const a = issue(ca, { cn: HOST });
    await replace(acmeV2({ le: [{ main: HOST, cert: a }] }));
    const hook = await eventually(() => bus.events.find((e) => e.subject === 'mta.hook.ran'), 10_000, 'hook event');
    assert.deepEqual([hook.data.command, hook.data.exitCode, hook.data.timedOut], ['false', 1, false]);
    assert.equal(chainSerial(), a.serial);
    assert.ok(bus.events.some((e) => e.subject === 'mta.acme.cert.installed' && e.data.serial === a.serial));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(sidecar && isRunning(sidecar));

    // Still working afterwards: the next rotation is installed too.
    const b = issue(ca, { cn: HOST });
    await replace(acmeV2({ le: [{ main: HOST, cert: b }] }));
    await eventually(() => chainSerial() === b.serial, 10_000, 'second cert installed');
    // The whole install (SNI table, hook) is over before the next test restarts the sidecar.
    await eventually(() => bus.events.filter((e) => e.subject === 'mta.hook.ran').length === 2, 10_000, 'second hook');
  });

  it('does not reinstall the served certificate after a restart', async () => {
    const mark = bus.events.length;
    await restart({ ACME_POSTHOOK: 'false' });
    await eventually(
      () => /"event":"acme.(current|unchanged)"|certificate already installed/.test(sidecar?.output() ?? ''),
      10_000,
      'sidecar saw the file',
    );
    assert.deepEqual(
      bus.since(mark).map((e) => e.subject),
      [],
    );
  });

  it('kills a hook that runs past ACME_POSTHOOK_TIMEOUT, children included', async () => {
    const pidFile = join(root.dir, 'hook.pid');
    await restart({ ACME_POSTHOOK: `sleep 60 & echo $! > ${pidFile}; wait`, ACME_POSTHOOK_TIMEOUT: '1' });
    const mark = bus.events.length;
    await replace(acmeV2({ le: [{ main: HOST, cert: issue(ca, { cn: HOST }) }] }));
    const hook = await eventually(() => bus.since(mark).find((e) => e.subject === 'mta.hook.ran'), 10_000, 'hook event');
    assert.equal(hook.data.timedOut, true);
    assert.ok(Number(hook.data.durationMs) < 4000, `killed in ${hook.data.durationMs} ms`);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    await eventually(() => !running(sleeper), 3000, 'hook child gone');
    assert.ok(sidecar && isRunning(sidecar));
  });

  it('runs no hook when ACME_POSTHOOK is empty', async () => {
    await restart({ ACME_POSTHOOK: '' });
    const mark = bus.events.length;
    const d = issue(ca, { cn: HOST });
    await replace(acmeV2({ le: [{ main: HOST, cert: d }] }));
    await eventually(() => bus.since(mark).some((e) => e.subject === 'mta.acme.cert.installed'), 10_000, 'installed');
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      bus.since(mark).map((e) => e.subject),
      ['mta.acme.cert.installed'],
    );
  });
});
