import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FleetIdentity, FreshHeartbeats, newNkey, signHeartbeat } from '@mta/shared';
import { heardFrom, type PeerWatch } from './bus-events.ts';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

async function fleet() {
  const [k1, k2, rogue] = await Promise.all([newNkey(), newNkey(), newNkey()]);
  const trust = [
    { name: 'mx1', key: k1.publicKey },
    { name: 'mx2', key: k2.publicKey },
  ];
  const [mx1, mx2, stranger] = await Promise.all([
    FleetIdentity.load(k1.seed, 'mx1', trust),
    FleetIdentity.load(k2.seed, 'mx2', trust),
    FleetIdentity.load(rogue.seed, 'mx3', trust),
  ]);
  const watch: PeerWatch = { peers: new Map(), signers: mx1.signers, fresh: new FreshHeartbeats(), self: 'mx1' };
  // What the bus adds to every message: anyone's to write.
  const onBus = (b: Record<string, unknown>, node: string) => ({ ...b, node, at: new Date().toISOString() });
  return { mx1, mx2, stranger, watch, onBus };
}

test('a signed heartbeat of a trusted node counts as a peer; its own node, unsigned and untrusted ones do not', async () => {
  const { mx1, mx2, stranger, watch, onBus } = await fleet();
  heardFrom(watch, onBus(signHeartbeat(mx1, { sidecar: 'dkim-keys' }, at(0)), 'mx1'), T0);
  heardFrom(watch, { node: 'mx9', at: at(0).toISOString(), sidecar: 'dkim-keys' }, T0);
  heardFrom(watch, onBus(signHeartbeat(stranger, { sidecar: 'dkim-keys' }, at(0)), 'mx3'), T0);
  assert.equal(watch.peers.size, 0);
  heardFrom(watch, onBus(signHeartbeat(mx2, { sidecar: 'dkim-keys' }, at(0)), 'mx2'), T0);
  assert.deepEqual([...watch.peers], [[mx2.publicKey, T0]]);
  // A signed heartbeat whose text was changed (another node's name, another sidecar) fails its signature.
  const forged = signHeartbeat(mx2, { sidecar: 'dkim-keys' }, at(1000));
  heardFrom(watch, { ...forged, beat: forged.beat.replace('mx2', 'mx7') }, T0 + 1000);
  assert.equal(watch.peers.get(mx2.publicKey), T0);
});

test('a replayed heartbeat never keeps a dead peer alive: not again, not once it is old', async () => {
  const { mx2, watch, onBus } = await fleet();
  const recorded = onBus(signHeartbeat(mx2, { sidecar: 'acme-watch' }, at(0)), 'mx2');
  heardFrom(watch, recorded, T0);
  heardFrom(watch, onBus(signHeartbeat(mx2, { sidecar: 'acme-watch' }, at(10_000)), 'mx2'), T0 + 10_000);
  // mx2 dies; the recording is put back on the bus, again and again.
  for (const t of [20_000, 40_000, 90_000]) heardFrom(watch, recorded, T0 + t);
  assert.equal(watch.peers.get(mx2.publicKey), T0 + 10_000);
  // A reader that restarted has no memory of what it saw: the recording still counts only while it is recent.
  const fresh = { ...watch, peers: new Map(), fresh: new FreshHeartbeats() };
  heardFrom(fresh, recorded, T0 + 6 * 60_000);
  assert.equal(fresh.peers.size, 0, 'older than HEARTBEAT_MAX_AGE_MS');
  // Signed for a time far ahead of ours: refused (a wrong or rolled-back clock must not keep a node alive).
  heardFrom(fresh, onBus(signHeartbeat(mx2, { sidecar: 'acme-watch' }, at(60 * 60_000)), 'mx2'), T0);
  assert.equal(fresh.peers.size, 0);
});
