import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeKey } from '../harness/fleet-keys.ts';
import { tempRoot } from '../harness/index.ts';
import {
  buildImages,
  type Container,
  greeting,
  imageRef,
  inNs,
  netns,
  skipReason,
  startContainer,
  VARIANTS,
  whileRunning,
} from './podman.ts';

// Secrets stay with the processes that need them (#27 item 8): a full (else base) container in fleet mode (NKEY to a
// JetStream nats-server, signing key, trust list) with password-file SASL, relay credentials and (full) a DKIM key,
// most of them given as plain variables, the way the seed README shows them. Every process in the container is read through /proc: no secret
// value in any environment or command line. The sidecars still get theirs (root-only files named by X__FILE): they
// authenticate to NATS with the NKEY.

// full when it is built (amavis, clamd and dkim-keys with DKIM_PRIVATEKEY too), else base.
const VARIANT = VARIANTS.includes('full') ? 'full' : 'base';
const skip = skipReason() ?? (VARIANTS.includes(VARIANT) ? undefined : 'needs the base or full image');
const NS = `mtasec${process.pid}`;
const NATS_PORT = 4333;
const NATS_HTTP = 8333;

const me = nodeKey('mx');
const other = nodeKey('mx2');
const bus = nodeKey('bus');
const dkimKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const SECRET = {
  sasl: 'Sasl-Secret-7f3a9c',
  relay: 'Relay-Secret-2b8d41',
  fleetKey: me.seed,
  nkey: bus.seed,
};
// What must show nowhere; of the DKIM key a line from the end of its body (the private primes and exponents: its first
// lines are the modulus, which the DNS record rightly shows), what would show whatever the armour.
const WATCHED: Record<string, string> = { ...SECRET, ...(VARIANT === 'full' ? { dkim: dkimKey.trim().split('\n').at(-3) ?? '' } : {}) };

// runit, the entrypoint and the daemons' long-lived processes (comm is cut at 15 characters).
const DAEMON_COMMS = ['runsvdir', 'runsv', 'svlogd', 'master', 'qmgr', 'pickup', 'dovecot', 'anvil', 'haproxy', 'nats-server', 'clamd'];

interface Proc {
  pid: number;
  comm: string;
  environ: string;
  cmdline: string;
}

// Every process of the container, read by a shell started with an empty environment (a `podman exec` itself carries
// the container's configured variables: that is what the seed's warning is about).
function processes(c: Container): Proc[] {
  const script =
    'for p in /proc/[0-9]*; do [ -e $p/environ ] || continue; e=$(base64 -w0 < $p/environ 2>/dev/null) || e=unreadable; ' +
    'printf "%s|%s|%s|%s\\n" "$(basename $p)" "$(cat $p/comm)" "$e" "$(base64 -w0 < $p/cmdline)"; done';
  const r = c.exec('env', '-i', 'PATH=/usr/bin:/bin', '/bin/sh', '-c', script);
  assert.equal(r.status, 0, r.out);
  const b64 = (s = '') => Buffer.from(s, 'base64').toString('utf8');
  const procs = r.out
    .trim()
    .split('\n')
    .map((l) => l.split('|'));
  // A process whose environment cannot be read would pass unseen; a process gone meanwhile has no comm.
  const unreadable = procs.filter(([, comm, environ]) => environ === 'unreadable' && comm);
  assert.deepEqual(unreadable, [], 'every environment readable');
  return procs
    .filter(([, , environ]) => environ !== 'unreadable')
    .map(([pid, comm, environ, cmdline]) => ({ pid: Number(pid), comm: comm ?? '', environ: b64(environ), cmdline: b64(cmdline) }));
}

const envOf = (p: Proc): Record<string, string> =>
  Object.fromEntries(
    p.environ
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

describe('secrets stay with the processes that need them', { skip, concurrency: false }, () => {
  let c: Container;
  let nats: ChildProcess | undefined;
  const cleanups: (() => unknown)[] = [];

  before(
    async () => {
      await buildImages([VARIANT]);
      const ns = netns(NS);
      cleanups.push(ns.remove);
      const { dir, cleanup } = await tempRoot('mta-secrets-');
      cleanups.push(cleanup);
      writeFileSync(
        join(dir, 'nats.conf'),
        `listen: "127.0.0.1:${NATS_PORT}"\nhttp: "127.0.0.1:${NATS_HTTP}"\njetstream { store_dir: "${dir}/js" }\n` +
          `authorization { users = [ { nkey: ${bus.publicKey} } ] }\n`,
      );
      const relay = join(dir, 'relay');
      writeFileSync(relay, `[relay.invalid]:587 relayuser:${SECRET.relay}\n`, { mode: 0o600 });
      nats = spawn('ip', ['netns', 'exec', NS, 'nats-server', '-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
      cleanups.push(() => nats?.kill('SIGTERM'));
      c = startContainer({
        name: `${NS}-mx`,
        image: imageRef(VARIANT),
        ns: NS,
        env: {
          MAIL_DOMAIN: 'example.com',
          MAIL_BOXES: 'info@example.com',
          SMTPD_USE_TLS: 'yes',
          SMTPD_SASL_CLIENTAUTH: `app:{plain}${SECRET.sasl}`,
          // Given the recommended way: a file (a docker secret), not a variable.
          SMTP_RELAY_HOSTAUTH__FILE: '/run/secrets/relay',
          // Two URLs: a cluster, so no local nats-server; this one has JetStream and wants the NKEY.
          NATS_URL: `nats://127.0.0.1:${NATS_PORT},nats://localhost:${NATS_PORT}`,
          NATS_NKEY: SECRET.nkey,
          MTA_FLEET_KEY: SECRET.fleetKey,
          MTA_FLEET_TRUST: `${other.name}=${other.publicKey}`,
          METRICS: 'yes',
          ...(VARIANT === 'full' ? { DKIM_PRIVATEKEY: dkimKey } : {}),
        },
        volumes: [`${relay}:/run/secrets/relay:ro`],
        // The observer's right to read the environment of processes that changed their uid (postfix, dovecot children).
        args: ['--cap-add', 'SYS_PTRACE'],
      });
      cleanups.push(() => c.remove());
      // Up once guard and metrics are connected to NATS: they authenticated with the NKEY from their files.
      await whileRunning(
        c,
        () => {
          const connz = inNs(NS, 'curl', ['-s', `http://127.0.0.1:${NATS_HTTP}/connz?limit=100`]).out;
          return (
            ['guard', 'metrics', ...(VARIANT === 'full' ? ['dkim-keys'] : [])].every((s) => connz.includes(`"mta-${s}@`)) &&
            greeting(NS, 25).startsWith('220 ')
          );
        },
        120_000,
        'the sidecars connected to NATS and postfix up',
      );
    },
    { timeout: 45 * 60_000 },
  );

  after(async () => {
    if (process.env.MTA_TEST_IMAGE_LOGS === '1') console.log(c?.logs());
    for (const fn of cleanups.reverse()) await fn();
  });

  it('no secret value in the environment or command line of any process in the container', () => {
    const procs = processes(c);
    const names = new Set(procs.map((p) => p.comm));
    // The reading covers runit, the daemons and the sidecars, not only the shell reading it.
    for (const want of ['runsvdir', 'runsv', 'master', 'dovecot']) assert.ok(names.has(want), `${want} in ${[...names]}`);
    assert.ok(procs.filter((p) => p.cmdline.includes('/bundle/main.js')).length >= 3, 'the sidecars');
    assert.ok(procs.some((p) => p.pid === 1));
    const leaks: string[] = [];
    for (const p of procs)
      for (const [what, value] of Object.entries(WATCHED)) {
        if (p.environ.includes(value)) leaks.push(`${what} in the environment of ${p.pid} ${p.comm}`);
        if (p.cmdline.includes(value)) leaks.push(`${what} on the command line of ${p.pid} ${p.comm}`);
      }
    assert.deepEqual(leaks, []);
    // Nor any variable beyond a process's share: the configuration reaches sidecars only (and what they run).
    const daemons = procs.filter((x) => DAEMON_COMMS.includes(x.comm) || x.pid === 1);
    assert.ok(daemons.length >= 6, daemons.map((d) => d.comm).join(' '));
    for (const p of daemons) {
      const env = envOf(p);
      for (const k of ['SMTPD_SASL_CLIENTAUTH', 'NATS_NKEY', 'MTA_FLEET_KEY', 'MAIL_DOMAIN', 'NATS_URL'])
        assert.equal(env[k], undefined, `${k} in the environment of ${p.pid} ${p.comm}`);
    }
  });

  it('each sidecar gets the secrets its job uses as a root-only file, and only those', () => {
    const sidecars = processes(c).filter((p) => /sidecars\/([\w-]+)\/bundle\/main\.js/.test(p.cmdline));
    const byName: Record<string, Record<string, string>> = Object.fromEntries(
      sidecars.map((p) => [/sidecars\/([\w-]+)\//.exec(p.cmdline)?.[1], envOf(p)]),
    );
    assert.equal(byName.guard?.MTA_FLEET_KEY__FILE, '/run/mta/secrets/guard/MTA_FLEET_KEY');
    assert.equal(byName.guard?.NATS_NKEY__FILE, '/run/mta/secrets/guard/NATS_NKEY');
    assert.equal(byName.metrics?.NATS_NKEY__FILE, '/run/mta/secrets/metrics/NATS_NKEY');
    assert.equal(byName.metrics?.MTA_FLEET_KEY__FILE, undefined, 'metrics verifies heartbeats without the signing key');
    assert.match(byName.metrics?.MTA_FLEET_TRUST ?? '', new RegExp(me.publicKey), 'its own public key instead');
    if (VARIANT === 'full') {
      assert.equal(byName['dkim-keys']?.DKIM_PRIVATEKEY__FILE, '/run/mta/secrets/dkim-keys/DKIM_PRIVATEKEY');
      assert.equal(byName.guard?.DKIM_PRIVATEKEY__FILE, undefined);
    }
    for (const env of Object.values(byName)) {
      assert.equal(env.SMTPD_SASL_CLIENTAUTH__FILE, undefined);
      assert.equal(env.SMTP_RELAY_HOSTAUTH__FILE, undefined);
    }
    const st = c.exec('stat', '-c', '%a %U %n', '/run/mta/secrets', '/run/mta/secrets/guard', '/run/mta/secrets/guard/MTA_FLEET_KEY');
    assert.deepEqual(st.out.trim().split('\n'), [
      '700 root /run/mta/secrets',
      '700 root /run/mta/secrets/guard',
      '400 root /run/mta/secrets/guard/MTA_FLEET_KEY',
    ]);
    assert.equal(c.exec('cat', '/run/mta/secrets/guard/MTA_FLEET_KEY').out, SECRET.fleetKey);
    // The container's saved variables were for the entry steps only.
    assert.notEqual(c.exec('test', '-e', '/run/mta/container.env').status, 0);
  });

  it('the seed warns once about the secrets given as plain variables, naming them and recommending __FILE', () => {
    const lines = c
      .logs()
      .split('\n')
      .filter((l) => l.includes('"config.plain_secrets"'));
    assert.equal(lines.length, 1, lines.join('\n'));
    const rec = JSON.parse(lines[0] as string) as { variables: string[]; msg: string };
    const plain = ['MTA_FLEET_KEY', 'NATS_NKEY', 'SMTPD_SASL_CLIENTAUTH', ...(VARIANT === 'full' ? ['DKIM_PRIVATEKEY'] : [])];
    assert.deepEqual([...rec.variables].sort(), plain.sort());
    assert.match(rec.msg, /__FILE/);
    const logs = c.logs();
    for (const [what, value] of Object.entries(WATCHED))
      assert.ok(
        !logs.includes(value),
        `${what} in the logs: ${logs
          .split('\n')
          .find((l) => l.includes(value))
          ?.slice(0, 300)}`,
      );
  });
});
