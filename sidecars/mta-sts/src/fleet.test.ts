import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FleetIdentity, newNkey, openEntry, STS_BUCKET, seal } from '@mta/shared';
import type { PolicyEntry } from './cache.ts';
import { fleetBody, judgeFleetEntry } from './fleet.ts';
import { formatPolicy, type StsPolicy } from './policy.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const ENFORCE: StsPolicy = { mode: 'enforce', maxAge: 86400, mx: ['mx.a.test'] };
const entry = (policy: StsPolicy, fetchedAt: number, id = 'x1'): PolicyEntry => ({
  domain: 'a.test',
  id,
  text: formatPolicy(policy),
  fetchedAt,
  by: 'mx1',
  policy,
});

async function fleet() {
  const [k1, k2, rogue] = [await newNkey(), await newNkey(), await newNkey()];
  const trust = [
    { name: 'mx1', key: k1.publicKey },
    { name: 'mx2', key: k2.publicKey },
  ];
  return {
    mx1: await FleetIdentity.load(k1.seed, 'mx1', trust),
    mx2: await FleetIdentity.load(k2.seed, 'mx2', trust),
    rogue: await FleetIdentity.load(rogue.seed, 'rogue', trust),
  };
}

// What mx2 does with bytes found under `key` in the bucket: the envelope's checks, then the policy's.
function receive(mx2: FleetIdentity, key: string, bytes: Uint8Array, local: PolicyEntry | undefined) {
  const o = openEntry(mx2, STS_BUCKET, key, bytes, undefined, new Date(NOW));
  if (!o.ok) return { kind: 'refused' as const, reason: o.reason };
  return judgeFleetEntry(key, o.body, o.signer, local, NOW);
}

test('a policy another node fetched is adopted when this node has none, or an older one of the same strength', async () => {
  const { mx1, mx2 } = await fleet();
  const bytes = seal(mx1, STS_BUCKET, 'a.test', fleetBody(entry(ENFORCE, NOW - 1000)), new Date(NOW));
  const v = receive(mx2, 'a.test', bytes, undefined);
  assert.equal(v.kind, 'adopt');
  assert.equal(v.kind === 'adopt' && v.entry.by, 'mx1');
  assert.equal(receive(mx2, 'a.test', bytes, entry(ENFORCE, NOW - 5000)).kind, 'adopt');
  assert.equal(receive(mx2, 'a.test', bytes, entry(ENFORCE, NOW)).kind, 'ignore', 'ours is newer');
});

test('attack: a forged entry (unsigned, another key, moved to another domain) cannot downgrade a domain', async () => {
  const { mx1, mx2, rogue } = await fleet();
  const mine = entry(ENFORCE, NOW - 60_000);
  const none: StsPolicy = { mode: 'none', maxAge: 86400, mx: [] };
  const forgedBody = fleetBody(entry(none, NOW - 1000, 'x2'));
  assert.equal(receive(mx2, 'a.test', forgedBody, mine).kind, 'refused', 'unsigned');
  assert.equal(receive(mx2, 'a.test', seal(rogue, STS_BUCKET, 'a.test', forgedBody, new Date(NOW)), mine).kind, 'refused', 'untrusted');
  // A genuine entry of b.test put under a.test: the signature covers the key.
  const other = seal(mx1, STS_BUCKET, 'b.test', forgedBody, new Date(NOW));
  assert.equal(receive(mx2, 'a.test', other, mine).kind, 'refused');
  // Signed for c.test but carrying a.test's policy.
  const moved = seal(mx1, STS_BUCKET, 'c.test', forgedBody, new Date(NOW));
  assert.deepEqual(receive(mx2, 'c.test', moved, undefined), { kind: 'refuse', reason: 'entry for another domain' });
});

test('attack: even a trusted node (compromised) cannot weaken a policy this node holds; it only makes it fetch', async () => {
  const { mx1, mx2 } = await fleet();
  const mine = entry(ENFORCE, NOW - 60_000);
  const weaker = (p: StsPolicy) =>
    receive(mx2, 'a.test', seal(mx1, STS_BUCKET, 'a.test', fleetBody(entry(p, NOW - 1000, 'x3')), new Date(NOW)), mine);
  assert.equal(weaker({ mode: 'none', maxAge: 86400, mx: [] }).kind, 'verify');
  assert.equal(weaker({ mode: 'testing', maxAge: 86400, mx: ['mx.a.test'] }).kind, 'verify');
  assert.equal(weaker({ mode: 'enforce', maxAge: 86400, mx: ['mx.evil.test'] }).kind, 'verify', 'other MX patterns');
  // Not a policy, expired, or from the future.
  const raw = (b: object) =>
    receive(mx2, 'a.test', seal(mx1, STS_BUCKET, 'a.test', new TextEncoder().encode(JSON.stringify(b)), new Date(NOW)), mine);
  assert.equal(raw({ domain: 'a.test', id: 'x4', text: 'mode: none', fetchedAt: NOW }).kind, 'refuse');
  assert.equal(raw({ domain: 'a.test', id: 'x4', text: formatPolicy(ENFORCE), fetchedAt: NOW - 90_000_000 }).kind, 'ignore');
  assert.equal(raw({ domain: 'a.test', id: 'x4', text: formatPolicy(ENFORCE), fetchedAt: NOW + 3_600_000 }).kind, 'refuse');
});
