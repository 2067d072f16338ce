import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runCaptured } from '@mta/cli/testing';
import { BAN_REPLY, postfixLookup } from '@mta/guard';
import { mtaPaths } from '@mta/shared';
import { collectEvents } from '../acme/sidecar.ts';
import { fleetEnv, nodeKey } from '../harness/fleet-keys.ts';
import { createNetns, type Daemon, eventually, fileScope, type NatsServer, startNats, type TestNetns } from '../harness/index.ts';
import { startGuard } from './guard-process.ts';
import { INTERNET, logOf, NEIGHBOUR, type Stack, startStack, swaksFrom, talk } from './stack.ts';

const [GUESSER, OTHER, BOT] = INTERNET;

let ns: TestNetns;
let stack: Stack;
let nats: NatsServer;
let events: Awaited<ReturnType<typeof collectEvents>>;
let guard: Daemon;
let peerDir: string;
let env: Record<string, string>;
const scope = fileScope();

before(async () => {
  ns = createNetns(`mta-guard-gd-${process.pid}`, [GUESSER, OTHER, BOT, NEIGHBOUR]);
  scope.defer(() => ns.remove());
  // Seeded as mx1: the node name is a seeded fact the guard reads from the effective configuration.
  stack = scope.keep(
    await startStack(ns, {
      HOSTNAME: 'mx1.example.com',
      MTA_NODE: 'mx1',
      MAIL_DOMAIN: 'example.com',
      MAIL_BOXES: 'alice@example.com',
      SMTPD_SASL_CLIENTAUTH: 'alice@example.com:{plain}secret',
      SMTPD_USE_TLS: 'yes',
      VIRTUAL_TRANSPORT: 'lmtp:unix:private/transport',
      MYNETWORKS: '127.0.0.0/8 10.9.0.0/16',
      AUTH_FAILURE_DELAY: '0',
    }),
  );
  nats = scope.keep(await startNats({ jetstream: true, dir: stack.mta.root }));
  events = await collectEvents(nats.url);
  scope.defer(() => events.nc.close());
  // Two fleet nodes that trust each other's signing key.
  const keys = [nodeKey('mx1'), nodeKey('mx2')] as const;
  env = {
    MTA_ROOT: stack.mta.root,
    HOSTNAME: 'mx1.example.com',
    MTA_NODE: 'mx1',
    NATS_URL: nats.url,
    GUARD_AUTH_FAILURES: '3',
    MYNETWORKS: '127.0.0.0/8 10.9.0.0/16',
    ...fleetEnv(keys[0], keys),
  };
  guard = scope.keep(await startGuard(env));
  // A second node of the fleet: only its ban files and maps matter here.
  peerDir = await scope.dir('mta-guard-peer-');
  const p = mtaPaths(peerDir);
  mkdirSync(p.postfixConf, { recursive: true });
  writeFileSync(join(p.postfixConf, 'main.cf'), 'mynetworks = 127.0.0.0/8\n');
  // Its caps are small: bans from the fleet obey them like its own.
  scope.keep(
    await startGuard({
      ...env,
      MTA_ROOT: peerDir,
      MTA_NODE: 'mx2',
      HOSTNAME: 'mx2.example.com',
      GUARD_MAX_BANS: '5',
      ...fleetEnv(keys[1], keys),
    }),
  );
});

const auth = (from: string, password: string) =>
  swaksFrom(ns, from, '127.0.0.1', stack.ports.submission!, [
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    'alice@example.com',
    '--auth-password',
    password,
    '--quit-after',
    'AUTH',
  ]);
const inTable = async (ip: string, root = stack.mta.root) => (await postfixLookup(mtaPaths(root), ip)) === BAN_REPLY;
const rcpt = (from: string) =>
  swaksFrom(ns, from, '127.0.0.1', stack.ports.smtp, ['--to', 'alice@example.com', '--from', 'a@sender.test', '--quit-after', 'RCPT']);
const banned = (ip: string) => events.events.some((e) => e.subject === 'mta.guard.banned' && e.data.ip === ip);

describe("guard: bans from the daemons' logs, in postfix and dovecot, shared by the fleet", () => {
  test('the third failed AUTH bans the address, without a reload: port 25 defers it (421), AUTH and dovecot logins refuse it, others are not affected', async () => {
    const master = readFileSync(join(stack.mta.paths.postfixQueue, 'pid/master.pid'), 'utf8').trim();
    for (let i = 0; i < 3; i++) assert.match(auth(GUESSER, 'wrong'), /<~\* +535 /);
    await eventually(() => banned(GUESSER), 15_000, 'mta.guard.banned');
    const ev = events.events.find((e) => e.subject === 'mta.guard.banned')!.data;
    assert.equal(ev.origin, 'guard');
    assert.equal(ev.node, 'mx1');
    assert.match(String(ev.reason), /^3 failed logins within 10 min, last: failed login \(submission\)$/);
    assert.ok(await inTable(GUESSER));
    assert.match(guard.output(), /"event":"guard\.banned".*"msg":"banned 192\.0\.2\.66 until /);
    // no reload: the running smtpd processes read the table in place; a temporary refusal, so a server banned by
    // mistake retries later instead of bouncing; its right password no longer works (dovecot's deny passdb)
    assert.match(
      rcpt(GUESSER),
      /<\*\* +421 4\.7\.0 <unknown\[192\.0\.2\.66\]>: Client host rejected: Temporarily blocked; try again later/,
    );
    assert.match(rcpt(OTHER), /<- +250 2\.1\.5 Ok/);
    assert.doesNotMatch(logOf(stack, 'postfix'), /reload -- version/);
    assert.equal(readFileSync(join(stack.mta.paths.postfixQueue, 'pid/master.pid'), 'utf8').trim(), master);
    assert.match(auth(GUESSER, 'secret'), /<~\* +535 /);
    assert.match(auth(OTHER, 'secret'), /<~ +235 /);
    const doveadm = (rip: string) =>
      ns.run('doveadm', [
        '-c',
        stack.dovecot!.conf,
        'auth',
        'test',
        '-x',
        `rip=${rip}`,
        '-x',
        'service=smtp',
        'alice@example.com',
        'secret',
      ]).status;
    assert.notEqual(doveadm(GUESSER), 0);
    assert.equal(doveadm(OTHER), 0);
  });

  test('the fleet adopts it; mta guard ls shows it', async () => {
    await eventually(() => inTable(GUESSER, peerDir), 15_000, 'peer adopted the ban');
    const ls = await runCaptured(['guard', 'ls'], env);
    assert.match(ls.out, /^192\.0\.2\.66 +\S+ +guard@mx1 +3 failed logins/m);
    const peerLs = await runCaptured(['guard', 'ls'], { ...env, MTA_ROOT: peerDir });
    assert.match(peerLs.out, /^192\.0\.2\.66 +\S+ +fleet@mx1 /m);
  });

  test('a client that talks before the greeting is banned at once', async () => {
    talk(ns, BOT, '127.0.0.1', stack.ports.smtp, 'EHLO bot\\r\\n', 1);
    await eventually(() => banned(BOT), 15_000, 'pregreet ban');
    assert.ok(await inTable(BOT));
  });

  test('one session on 587 ends after SMTPD_AUTH_FAILURE_LIMIT (3) failed AUTH commands', () => {
    const bad = Buffer.from('\0alice@example.com\0nope').toString('base64');
    const script = `sleep 1; printf 'EHLO x\\r\\n'; for i in 1 2 3 4; do sleep 0.3; printf 'AUTH PLAIN ${bad}\\r\\n'; done; sleep 5`;
    const r = ns.run(
      'bash',
      ['-c', `(${script}) | openssl s_client -starttls smtp -connect 127.0.0.1:${stack.ports.submission} -quiet 2>&1`],
      { timeoutMs: 30_000 },
    );
    assert.equal([...r.stdout.matchAll(/^535 /gm)].length, 3, r.stdout);
    assert.match(r.stdout, /^421 4\.7\.0 \S+ Error: too many errors/m);
  });

  test('loopback and MYNETWORKS are never banned', async () => {
    for (let i = 0; i < 4; i++) assert.match(auth(NEIGHBOUR, 'wrong'), /<~\* +535 /);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await inTable(NEIGHBOUR), false);
    assert.ok(!banned(NEIGHBOUR));
  });

  test('mta guard unban lifts it here and on the peer; the event says why', async () => {
    const r = await runCaptured(['guard', 'unban', GUESSER], env);
    assert.equal(r.code, 0, r.err);
    await eventually(
      () => events.events.some((e) => e.subject === 'mta.guard.unbanned' && e.data.ip === GUESSER && e.data.why === 'lifted'),
      10_000,
      'unbanned',
    );
    assert.equal(await inTable(GUESSER), false);
    await eventually(async () => !(await inTable(GUESSER, peerDir)), 15_000, 'peer lifted it');
    assert.match(auth(GUESSER, 'secret'), /<~ +235 /);
    assert.match(rcpt(GUESSER), /<- +250 2\.1\.5 Ok/);
  });

  test('bans survive a restart, a ban made while the guard is down takes effect at once, nothing is announced twice', async () => {
    await guard.stop();
    const r = await runCaptured(['guard', 'ban', '198.51.100.9', '--for', '1h', '--reason', 'by hand'], env);
    assert.equal(r.code, 0, r.err);
    assert.ok(await inTable('198.51.100.9'));
    const before = events.events.length;
    guard = scope.keep(await startGuard(env));
    const ls = (await runCaptured(['guard', 'ls'], env)).out;
    assert.match(ls, /^192\.0\.2\.68 /m);
    assert.match(ls, /^198\.51\.100\.9 .*operator@mx1 +by hand$/m);
    assert.match(guard.output(), /"event":"guard\.restored","bans":2/);
    // the peer adopts the operator's ban (its own event, once); this node announces nothing again
    await eventually(() => inTable('198.51.100.9', peerDir), 15_000, 'peer adopted the operator ban');
    await new Promise((r) => setTimeout(r, 1000));
    const announced = events.since(before).filter((e) => e.subject === 'mta.guard.banned');
    assert.deepEqual(
      announced.map((e) => `${e.data.node} ${e.data.ip} ${e.data.origin}`),
      ['mx2 198.51.100.9 fleet'],
    );
  });

  test('bans from the fleet obey the caps: a node adopts up to GUARD_MAX_BANS and reports the rest', async () => {
    const peerBans = async () =>
      (await runCaptured(['guard', 'ls', '--json'], { ...env, MTA_ROOT: peerDir })).out.split('\n').filter(Boolean).length;
    const before = events.events.length;
    assert.ok((await peerBans()) < 5);
    for (let i = 0; i < 6; i++) assert.equal((await runCaptured(['guard', 'ban', `203.0.113.${20 + i}`, '--for', '1h'], env)).code, 0);
    await eventually(
      () => events.since(before).find((e) => e.subject === 'mta.guard.capped' && e.data.node === 'mx2'),
      20_000,
      'mx2 reports the cap',
    );
    const capped = events.since(before).find((e) => e.subject === 'mta.guard.capped')!.data;
    assert.equal(capped.cap, 'total');
    assert.equal(capped.limit, 5);
    assert.equal(capped.origin, 'fleet');
    await eventually(async () => (await peerBans()) === 5, 10_000, 'mx2 holds 5 bans');
    // mx1's operator is not capped; its own bans are all in force
    for (let i = 0; i < 6; i++) assert.ok(await inTable(`203.0.113.${20 + i}`));
  });
});
