import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runCli } from '@mta/cli/program';
import { DKIM_BUCKET, FleetIdentity, mtaPaths, seal } from '@mta/shared';
import { startSidecarProcess } from '../dkim/helpers.ts';
import { eventually, fileScope, type NodeKey } from '../harness/index.ts';
import {
  type Attacker,
  attacker,
  FLOOD,
  NodeProcess,
  type ReplayFleet,
  readEntry,
  refusedBy,
  replayFleet,
  type Seen,
  stopAll,
} from './replay.ts';

// A retired DKIM key, replayed: the recording of the key's entry (and of the retirement) is put back into mta-dkim
// after `mta fleet retire dkim`, while the nodes run, while they are down (then restarted on the same /srv), and
// before nodes with an empty /srv join; and a trusted node signs the retired key again.
const scope = fileScope();
const DOMAIN = 'r.test';
const KEY = `${DOMAIN}.default`;
let fleet: ReplayFleet;
let rogue: Attacker;
let oldKey: string;
let newKey: string;
let recording: Uint8Array;
let retirement: Uint8Array;
const nodes: Record<string, NodeProcess> = {};

const keyFile = (n: NodeProcess) => join(mtaPaths(n.root).dkim, `${KEY}.privkey.pem`);
const keyOf = (n: NodeProcess) => (existsSync(keyFile(n)) ? readFileSync(keyFile(n), 'utf8') : undefined);
// A dkim-keys node (the real sidecar process) on its own /srv; the same root on every restart.
const node = async (name: string, user: 'mx1' | 'mx2') => {
  const root = await scope.dir(`mta-replay-dkim-${name}-`);
  mkdirSync(mtaPaths(root).dkim, { recursive: true });
  const n = new NodeProcess(name, root, () =>
    startSidecarProcess(root, { MAIL_DOMAIN: DOMAIN, DKIM_KEYBITS: '1024', HOSTNAME: `${name}.${DOMAIN}`, ...fleet.env(name, user) }),
  );
  nodes[name] = n;
  scope.defer(() => n.stop());
  await n.start('fleet.following');
  return n;
};
const restart = (n: NodeProcess) => n.start('fleet.following');
const holdsNew = (s: Seen) => s.op === 'put' && s.body.toString('utf8') === newKey;

before(async () => {
  fleet = await replayFleet(scope);
  rogue = await attacker(fleet.nats, DKIM_BUCKET, scope);
});

describe('fleet replay: a retired DKIM key stays retired', { timeout: 240_000 }, () => {
  test('setup: n1 publishes a key, n2 adopts it; the attacker records it; `mta fleet retire` replaces it on both', async () => {
    const n1 = await node('n1', 'mx1');
    await eventually(() => n1.logged('dkim.fleet.published').length, 15_000, 'n1 published');
    const n2 = await node('n2', 'mx2');
    oldKey = keyOf(n1) as string;
    await eventually(() => keyOf(n2) === oldKey, 15_000, 'n2 adopted');
    recording = await rogue.record(KEY);
    const out: string[] = [];
    const env = { HOSTNAME: 'n1.r.test', ...fleet.nats.nodeEnv('mx1'), MTA_NODE: 'mx1', MTA_FLEET_KEY: (fleet.keys[0] as NodeKey).seed };
    assert.equal(
      await runCli(['fleet', 'retire', 'dkim', DOMAIN], { env, out: (l) => out.push(l), err: (l) => out.push(l) }),
      0,
      out.join('\n'),
    );
    const current = await rogue.healed(KEY, recording, (s) => s.op === 'put');
    newKey = current.body.toString('utf8');
    assert.notEqual(newKey, oldKey);
    for (const n of [n1, n2]) await eventually(() => keyOf(n) === newKey, 15_000, `${n.name} signs with the new key`);
    for await (const e of await rogue.kv.history({ key: KEY })) if (readEntry(e.value)?.op === 'retire') retirement = e.value;
    assert.ok(retirement, 'the retirement is in the history');
  });

  test('re-put while both run: refused, the new key goes back in, both keep it', async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    await refusedBy([n1, n2], KEY, /older than the entry applied here/, async () => {
      await rogue.reput(KEY, recording, 1);
      await rogue.healed(KEY, recording, holdsNew);
    });
    for (const n of [n1, n2]) assert.equal(keyOf(n), newKey);
  });

  test(`the key, then the retirement, re-put ${FLOOD} times while every node is down; restarted on the same /srv: nothing comes back`, async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    for (const replay of [recording, retirement]) {
      const conflicts = [n1, n2].map((n) => n.logged('dkim.fleet.conflict').length);
      await stopAll([n1, n2]);
      await rogue.reput(KEY, replay, FLOOD);
      const restored = n2.logged('fleet.restored', { entry: KEY }).length;
      await restart(n2);
      await n2.next('fleet.restored', { entry: KEY }, restored);
      await rogue.healed(KEY, replay, holdsNew);
      await restart(n1);
      for (const n of [n1, n2]) {
        assert.equal(keyOf(n), newKey, `${n.name} key`);
        // The key retired once is still the one kept aside; the replayed retirement retired nothing more.
        assert.equal(readFileSync(`${keyFile(n)}.retired`, 'utf8'), oldKey);
        assert.equal(n.logged('dkim.fleet.retired').length, 1, `${n.name} retired once`);
      }
      assert.deepEqual(
        [n1, n2].map((n) => n.logged('dkim.fleet.conflict').length),
        conflicts,
        'no key was replaced',
      );
    }
  });

  test('the retired key signed again by a trusted node is refused, and the new key written over it', async () => {
    const { n1, n2 } = nodes as Record<'n1' | 'n2', NodeProcess>;
    const n5 = fleet.keys[4] as NodeKey;
    const trusted = await FleetIdentity.load(n5.seed, 'n5');
    const fresh = seal(trusted, DKIM_BUCKET, KEY, new TextEncoder().encode(oldKey));
    await refusedBy([n1, n2], KEY, /DKIM key SHA256:\S+ was retired/, () => rogue.kv.put(KEY, fresh));
    await rogue.healed(KEY, fresh, holdsNew);
    for (const n of [n1, n2]) assert.equal(keyOf(n), newKey);
  });

  test(`an empty /srv joins after ${FLOOD} re-puts while honest nodes run: it takes the new key`, async () => {
    await rogue.reput(KEY, recording, FLOOD);
    await rogue.healed(KEY, recording, holdsNew);
    const n3 = await node('n3', 'mx1');
    await eventually(() => keyOf(n3) === newKey, 15_000, 'n3 took the new key');
    assert.ok(!existsSync(`${keyFile(n3)}.bak`), 'never held the old one');
  });

  test(`an empty /srv joins after ${FLOOD} re-puts with no honest node running: it takes the old key, until an honest node returns`, async () => {
    const { n1, n2, n3 } = nodes as Record<'n1' | 'n2' | 'n3', NodeProcess>;
    await stopAll([n1, n2, n3]);
    await rogue.reput(KEY, recording, FLOOD);
    // The residual risk docs/fleet.md names: the bucket's whole history is the recording.
    const n4 = await node('n4', 'mx2');
    await eventually(() => keyOf(n4) === oldKey, 15_000, 'n4 took the replayed key');
    await restart(n1);
    await rogue.healed(KEY, recording, holdsNew);
    await eventually(() => keyOf(n4) === newKey, 15_000, 'n4 converged on the new key');
    assert.equal(readFileSync(`${keyFile(n4)}.bak`, 'utf8'), oldKey);
  });

  test('an empty /srv joins after fewer re-puts than the bucket keeps, no honest node running: the history wins', async () => {
    const { n1, n4 } = nodes as Record<'n1' | 'n4', NodeProcess>;
    await stopAll([n1, n4]);
    await rogue.reput(KEY, recording, 2);
    const n5 = await node('n5', 'mx1');
    await eventually(() => keyOf(n5) === newKey, 15_000, 'n5 took the new key');
    assert.ok(!existsSync(`${keyFile(n5)}.bak`), 'never held the old one');
    await rogue.healed(KEY, recording, holdsNew);
  });
});
