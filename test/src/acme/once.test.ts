import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acmeV2, issue, makeCa, type TestCa } from '@mta/acme-watch/testing';
import { type Daemon, eventually, freePort, type Postfix, scaffoldConfig, startPostfix, tempRoot } from '../harness/index.ts';
import { startAcmeSidecar } from './sidecar.ts';
import { smtpStartTlsCert } from './tls.ts';

const HOST = 'mx.example.com';
const events = (d: Daemon): Record<string, unknown>[] =>
  d
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

// The image's order: `acme-watch --once` as an entry step, then postfix, then the watching service.
describe('acme-watch entry step, then the service', { timeout: 90_000 }, () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  let ca: TestCa;
  let postfix: Postfix | undefined;
  let service: Daemon | undefined;
  let acmeFile: string;
  let hookMark: string;
  let port: number;
  let env: Record<string, string>;

  before(async () => {
    root = await tempRoot('mta-acme-once-');
    ca = makeCa();
    port = await freePort();
    const pfEtc = scaffoldConfig(join(root.dir, 'pf'), port, { smtpd_tls_security_level: 'may' });
    mkdirSync(join(root.dir, 'etc'), { recursive: true });
    symlinkSync(pfEtc, join(root.dir, 'etc/postfix'));
    mkdirSync(join(root.dir, 'acme'));
    acmeFile = join(root.dir, 'acme/acme.json');
    hookMark = join(root.dir, 'hook-ran');
    // No NATS_URL: the plain watcher, which trusts the entry step's pass.
    env = { MTA_ROOT: root.dir, ACME_FILE: acmeFile, HOSTNAME: HOST, MAIL_DOMAIN: 'example.com', ACME_POSTHOOK: `touch ${hookMark}` };
  });

  after(async () => {
    await service?.stop();
    await postfix?.stop();
    await root?.cleanup();
  });

  it('installs the certificate before postfix starts, without reloads or the hook', async () => {
    const cert = issue(ca, { cn: HOST, sans: [HOST, 'example.com'] });
    writeFileSync(acmeFile, acmeV2({ le: [{ main: HOST, cert }] }));
    const once = startAcmeSidecar(env, ['--once']);
    const code = await new Promise<number | null>((r) => once.proc.on('exit', r));
    assert.equal(code, 0, once.output());
    assert.ok(
      events(once).some((e) => e.event === 'acme.cert.installed' && e.serial === cert.serial),
      once.output(),
    );
    assert.ok(
      events(once).some((e) => e.event === 'acme.once' && e.outcome === 'installed'),
      once.output(),
    );
    assert.equal(existsSync(hookMark), false, 'no hook at the entry step: the daemons start after it');
    postfix = await startPostfix(join(root.dir, 'pf/etc'), port);
    assert.equal((await smtpStartTlsCert(port)).serial, cert.serial);
  });

  it('the service starts without re-reading the unchanged file, and still reacts to changes', async () => {
    service = startAcmeSidecar(env);
    const svc = service;
    await eventually(() => events(svc).some((e) => e.event === 'acme.unchanged'), 20_000, 'acme.unchanged').catch((e: Error) =>
      assert.fail(`${e.message}\n${svc.output()}`),
    );
    assert.equal(events(svc).filter((e) => e.event === 'acme.read' || e.event === 'acme.cert.installed').length, 0, svc.output());

    // A rotation: installed, and now (daemons running) the hook runs.
    const next = issue(ca, { cn: HOST, sans: [HOST, 'example.com'] });
    await writeFile(`${acmeFile}.tmp`, acmeV2({ le: [{ main: HOST, cert: next }] }));
    await rename(`${acmeFile}.tmp`, acmeFile);
    await eventually(() => existsSync(hookMark), 20_000, 'hook after rotation').catch((e: Error) =>
      assert.fail(`${e.message}\n${svc.output()}`),
    );
    assert.ok(events(svc).some((e) => e.event === 'acme.cert.installed' && e.serial === next.serial));

    // An installed file removed by hand comes back at the next rescan, although acme.json is unchanged.
    const installedKey = join(root.dir, 'srv/etc/ssl/acme/key.pem');
    assert.ok(existsSync(installedKey));
    unlinkSync(installedKey);
    await eventually(() => existsSync(installedKey), 20_000, 'key.pem re-installed').catch((e: Error) =>
      assert.fail(`${e.message}\n${svc.output()}`),
    );
  });
});
