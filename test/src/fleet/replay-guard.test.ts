import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runCaptured } from '@mta/cli/testing';
import { BAN_REPLY, postfixLookup } from '@mta/guard';
import { GUARD_BUCKET, kvKey, ledgerFileName, mtaPaths } from '@mta/shared';
import { startGuard } from '../defences/guard-process.ts';
import { eventually, fileScope } from '../harness/index.ts';
import { type Attacker, attacker, FLOOD, NodeProcess, type ReplayFleet, refusedBy, replayFleet, type Seen, stopAll } from './replay.ts';

// A lifted ban, replayed: the recording of the ban is put back into mta-guard after `mta guard unban`, while the
// nodes run, while they are down (then restarted on the same /srv), and before nodes with an empty /srv join.
const scope = fileScope();
const IP = '198.51.100.77';
const KEY = kvKey(IP);
let fleet: ReplayFleet;
let rogue: Attacker;
let recording: Uint8Array;
const nodes: Record<string, NodeProcess> = {};

const rootOf = async (name: string) => {
  const root = await scope.dir(`mta-replay-guard-${name}-`);
  const p = mtaPaths(root);
  mkdirSync(p.postfixConf, { recursive: true });
  writeFileSync(join(p.postfixConf, 'main.cf'), 'mynetworks = 127.0.0.0/8\n');
  return root;
};
const envOf = (n: NodeProcess, user: 'mx1' | 'mx2') => ({
  MTA_ROOT: n.root,
  HOSTNAME: `${n.name}.example.com`,
  ...fleet.env(n.name, user),
});
// A guard node (real sidecar process) on its own /srv; the same root on every restart.
const node = async (name: string, user: 'mx1' | 'mx2') => {
  const root = await rootOf(name);
  const n: NodeProcess = new NodeProcess(name, root, () => startGuard(envOf(n, user)));
  nodes[name] = n;
  scope.defer(() => n.stop());
  await n.start('fleet.following');
  return n;
};
const restart = (n: NodeProcess) => n.start('fleet.following');
const inTable = async (n: NodeProcess, ip: string) => (await postfixLookup(mtaPaths(n.root), ip)) === BAN_REPLY;
const banned = (n: NodeProcess) => inTable(n, IP);
const isLift = (s: Seen) => {
  const b = JSON.parse(s.body.toString('utf8')) as { ip: string; until: string };
  return b.ip === IP && Date.parse(b.until) <= Date.now();
};
// The node has judged the key (its ledger holds a record of it).
const judged = (n: NodeProcess) => existsSync(join(mtaPaths(n.root).fleetState, GUARD_BUCKET, ledgerFileName(KEY)));
const bans = (n: NodeProcess) => n.logged('guard.banned', { ip: IP }).length;

before(async () => {
  fleet = await replayFleet(scope);
  rogue = await attacker(fleet.nats, GUARD_BUCKET, scope);
  await node('n1', 'mx1');
  await node('n2', 'mx2');
});

describe('fleet replay: a lifted ban stays lifted', { timeout: 240_000 }, () => {
  test('setup: a ban on n1 reaches n2; the attacker records it; `mta guard unban` lifts it on both', async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    const env = envOf(n1, 'mx1');
    assert.equal((await runCaptured(['guard', 'ban', IP, '--for', '1d', '--reason', 'replay test'], env)).code, 0);
    await eventually(async () => await banned(n2), 15_000, 'n2 adopted the ban');
    recording = await rogue.record(KEY);
    assert.equal((await runCaptured(['guard', 'unban', IP], env)).code, 0);
    await eventually(async () => !(await banned(n2)), 15_000, 'n2 lifted it');
    assert.ok(isLift((await rogue.current(KEY)) as Seen));
  });

  test('re-put while both run: both refuse it, the lift goes back in, nothing is banned', async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    await refusedBy([n1, n2], KEY, /older than the entry applied here/, async () => {
      await rogue.reput(KEY, recording, 1);
      await rogue.healed(KEY, recording, isLift);
    });
    for (const n of [n1, n2]) assert.ok(!(await banned(n)), `${n.name} map`);
    assert.equal(bans(n2), 1, 'n2 was banned once, by the original');
  });

  test(`re-put ${FLOOD} times while every node is down, then restart them on the same /srv: nothing comes back`, async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    await stopAll([n1, n2]);
    // More often than the bucket keeps revisions: only the nodes' own memory knows the lift now.
    await rogue.reput(KEY, recording, FLOOD);
    assert.ok(!isLift((await rogue.current(KEY)) as Seen), 'the bucket holds the replayed ban');
    const restored = n2.logged('fleet.restored', { entry: KEY }).length;
    await restart(n2);
    await n2.next('fleet.restored', { entry: KEY }, restored);
    await rogue.healed(KEY, recording, isLift);
    await restart(n1);
    for (const n of [n1, n2]) assert.ok(!(await banned(n)), `${n.name} map`);
    assert.equal(bans(n2), 1);
    assert.equal(bans(n1), 1);
  });

  test('a node down while another lifts its ban: when it starts again, the lift wins everywhere', async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    const ip = '198.51.100.78';
    const inMap = (n: NodeProcess) => inTable(n, ip);
    assert.equal((await runCaptured(['guard', 'ban', ip, '--for', '1d', '--reason', 'own ban'], envOf(n1, 'mx1'))).code, 0);
    await eventually(async () => await inMap(n2), 15_000, 'n2 adopted the ban');
    await n1.stop();
    assert.equal((await runCaptured(['guard', 'unban', ip], envOf(n2, 'mx2'))).code, 0);
    await eventually(async () => !(await inMap(n2)), 15_000, 'n2 lifted it');
    // n1 still has its own ban file; sharing it again must not outrank the later lift.
    await restart(n1);
    await eventually(async () => !(await inMap(n1)), 15_000, 'n1 took the lift');
    await rogue.healed(kvKey(ip), new Uint8Array(), (s) => JSON.parse(s.body.toString('utf8')).until <= new Date().toISOString());
    assert.ok(!(await inMap(n2)));
    assert.equal(n2.logged('guard.banned', { ip }).length, 1, 'n2 was banned once');
  });

  test(`an empty /srv joins after ${FLOOD} re-puts while honest nodes run: it never bans`, async () => {
    await rogue.reput(KEY, recording, FLOOD);
    await rogue.healed(KEY, recording, isLift);
    const n3 = await node('n3', 'mx1');
    await eventually(() => judged(n3), 15_000, 'n3 judged the entry');
    assert.ok(!(await banned(n3)));
    assert.equal(bans(n3), 0);
  });

  test(`an empty /srv joins after ${FLOOD} re-puts with no honest node running: it bans, until an honest node returns`, async () => {
    const { n1, n2, n3 } = nodes as Record<'n1' | 'n2' | 'n3', NodeProcess>;
    await stopAll([n1, n2, n3]);
    await rogue.reput(KEY, recording, FLOOD);
    // The residual risk docs/fleet.md names: the bucket's whole history is the recording, and nothing on n4 says
    // otherwise.
    const n4 = await node('n4', 'mx2');
    await eventually(async () => await banned(n4), 15_000, 'n4 applied the replayed ban');
    await restart(n1);
    await rogue.healed(KEY, recording, isLift);
    await eventually(async () => !(await banned(n4)), 15_000, 'n4 converged on the lift');
    await n4.next('guard.unbanned', { ip: IP, why: 'lifted' }, 0);
  });

  test(`an empty /srv joins after fewer re-puts than the bucket keeps, no honest node running: the history wins`, async () => {
    const { n1, n4 } = nodes as Record<'n1' | 'n4', NodeProcess>;
    await stopAll([n1, n4]);
    await rogue.reput(KEY, recording, 2);
    const n5 = await node('n5', 'mx1');
    await eventually(() => judged(n5), 15_000, 'n5 judged the entry');
    await rogue.healed(KEY, recording, isLift);
    assert.ok(!(await banned(n5)));
    assert.equal(bans(n5), 0);
    assert.ok(n5.logged('fleet.refused', { entry: KEY }).some((l) => /in the bucket's history \(a replay\)/.test(String(l.reason))));
  });
});
