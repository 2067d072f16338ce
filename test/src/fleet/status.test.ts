import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { acmeV2, issue, makeCa } from '@mta/acme-watch/testing';
import { runCli } from '@mta/cli/program';
import { inspectKey } from '@mta/dkim-keys';
import { mtaPaths } from '@mta/shared';
import { startAcmeSidecar } from '../acme/sidecar.ts';
import { startSidecarProcess } from '../dkim/helpers.ts';
import {
  type Daemon,
  eventually,
  fleetEnv,
  freePort,
  type NatsServer,
  type NodeKey,
  nodeKey,
  scaffoldConfig,
  startNats,
  tempRoot,
} from '../harness/index.ts';
import { makeLib, startLearner } from '../spamd/learner.ts';

const HOST = 'mx.a.test';
let nats: NatsServer;
let root: { dir: string; cleanup: () => Promise<void> };
let natsDir: { dir: string; cleanup: () => Promise<void> };
const procs: Daemon[] = [];
let serial = '';
let me: NodeKey;

// One node with its three long-running sidecars (real processes), reporting to `mta fleet status`.
before(async () => {
  natsDir = await tempRoot('mta-fleet-status-nats-');
  nats = await startNats({ jetstream: true, dir: natsDir.dir });
  root = await tempRoot('mta-fleet-status-');
  me = nodeKey('mx-s');
  const env = { NATS_URL: nats.url, MTA_NODE: 'mx-s', ...fleetEnv(me, [me]) };
  mkdirSync(join(root.dir, 'etc'), { recursive: true });
  symlinkSync(scaffoldConfig(join(root.dir, 'pf'), await freePort(), {}), join(root.dir, 'etc/postfix'));
  mkdirSync(join(root.dir, 'acme'));
  const cert = issue(makeCa(), { cn: HOST });
  serial = cert.serial;
  await writeFile(join(root.dir, 'acme/acme.json'), acmeV2({ le: [{ main: HOST, cert }] }));
  procs.push(startSidecarProcess(root.dir, { ...env, MAIL_DOMAIN: 'a.test', DKIM_KEYBITS: '1024' }));
  procs.push(
    startAcmeSidecar({ ...env, MTA_ROOT: root.dir, HOSTNAME: HOST, ACME_FILE: join(root.dir, 'acme/acme.json'), ACME_POSTHOOK: '' }),
  );
  procs.push(startLearner(root.dir, await makeLib(root.dir), env));
  const outputs = () => procs.map((p) => p.output().slice(-1500)).join('\n');
  for (const ready of ['"event":"dkim.ready"', '"event":"acme.cert.installed"', '"event":"spamd.fleet.following"'])
    await eventually(() => procs.some((p) => p.output().includes(ready)), 20_000, `${ready}\n${outputs()}`);
});
after(async () => {
  for (const p of procs.reverse()) await p.stop();
  await nats?.stop();
  await natsDir?.cleanup();
  await root?.cleanup();
});

test('mta fleet status shows the node with its DKIM fingerprint, certificate serial and learn lag', async () => {
  const out: string[] = [];
  const err: string[] = [];
  // Heartbeats come every 10 s: listening 11 s sees each sidecar's beat after its start-up work.
  const code = await runCli(['fleet', 'status', '--wait', '11000', '--json'], {
    // The operator's shell on another host: only the trust list, no signing key.
    env: { HOSTNAME: HOST, NATS_URL: nats.url, MTA_FLEET_TRUST: `mx-s=${me.publicKey}` },
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
  });
  assert.equal(code, 0, err.join('\n'));
  const rows = JSON.parse(out.join('\n')) as {
    node: string;
    sidecars: string[];
    certSerial?: string;
    dkim: Record<string, string>;
    learnPending?: number;
  }[];
  const row = rows.find((r) => r.node === 'mx-s');
  const key = inspectKey(readFileSync(join(mtaPaths(root.dir).dkim, 'a.test.default.privkey.pem')));
  assert.ok(row && key.ok);
  assert.deepEqual([...row.sidecars].sort(), ['acme-watch', 'dkim-keys', 'spamd-learn']);
  assert.equal(row.dkim['a.test.default'], key.info.fingerprint);
  assert.equal(row.certSerial, serial);
  assert.equal(row.learnPending, 0);
});
