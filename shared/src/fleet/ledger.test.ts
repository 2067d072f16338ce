import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createUser } from '@nats-io/nkeys';
import { createLogger } from '../log.ts';
import { openEntry, seal } from './envelope.ts';
import { FleetIdentity } from './identity.ts';
import { FleetLedger } from './ledger.ts';
import { ledgerFileName, withRetired, withValue } from './ledger-file.ts';
import { overwritable } from './restore.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const seed = () => new TextDecoder().decode(createUser().getSeed());
const lines: string[] = [];
const log = createLogger({ sidecar: 'test', node: 'mx1', destination: { write: (s: string) => void lines.push(s) } });
const bytes = (s: string) => new TextEncoder().encode(s);

async function setup(maxRecords?: number) {
  const [s1, s2] = [seed(), seed()];
  const pub = async (s: string) => (await FleetIdentity.load(s, 'x')).publicKey;
  const trust = [{ name: 'mx2', key: await pub(s2) }];
  const mx1 = await FleetIdentity.load(s1, 'mx1', trust);
  const mx2 = await FleetIdentity.load(s2, 'mx2', [{ name: 'mx1', key: mx1.publicKey }]);
  const root = await mkdtemp(join(tmpdir(), 'mta-ledger-'));
  dirs.push(root);
  const dir = join(root, 'srv/var/fleet/mta-guard');
  const open = (id = mx1) => FleetLedger.open({ dir, bucket: 'mta-guard', identity: id, log, maxRecords });
  return { mx1, mx2, dir, open };
}

test('the newest applied entry survives a new ledger on the same dir (a restart); an older one never replaces it', async () => {
  const { mx1, mx2, dir, open } = await setup();
  const t1 = new Date(Date.now() - 60_000);
  const t2 = new Date(Date.now() - 30_000);
  const ban = seal(mx2, 'mta-guard', '192.0.2.1', bytes('ban'), t1);
  const lift = seal(mx2, 'mta-guard', '192.0.2.1', bytes('lift'), t2);
  const a = await open();
  await a.record('192.0.2.1', ban, t1.toISOString());
  await a.record('192.0.2.1', lift, t2.toISOString());
  await a.record('192.0.2.1', ban, t1.toISOString());
  a.close();
  const b = await open();
  const known = await b.newest('192.0.2.1');
  assert.equal(known?.at, t2.toISOString());
  assert.deepEqual(new Uint8Array(known?.value ?? []), lift, 'kept byte for byte, so it can be put back');
  // What openEntry makes of the replay with that memory: refused as a replay.
  const r = openEntry(mx1, 'mta-guard', '192.0.2.1', ban, known?.at);
  assert.ok(!r.ok && r.replay);
  assert.ok(overwritable(r));
  b.close();
  // Root's alone: the directory 0700, each record 0600.
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  for (const f of await readdir(dir)) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
});

test('a record whose signer left MTA_FLEET_TRUST no longer counts; its retirements still do', async () => {
  const { mx2, open } = await setup();
  const at = new Date(Date.now() - 1000);
  const a = await open();
  await a.record('a.test.default', seal(mx2, 'mta-guard', 'a.test.default', bytes('k'), at), at.toISOString());
  await a.retire('a.test.default', ['SHA256:old'], at.toISOString());
  a.close();
  const alone = await FleetIdentity.load(seed(), 'mx1');
  const b = await open(alone);
  assert.equal(await b.newest('a.test.default'), undefined);
  assert.deepEqual([...(await b.retired('a.test.default'))], ['SHA256:old']);
  b.close();
});

test('records are written link-safe: a link planted at a record is replaced, its target untouched', async () => {
  const { mx2, dir, open } = await setup();
  const a = await open();
  const target = join(dir, '..', 'outside');
  await writeFile(target, 'precious');
  await symlink(target, join(dir, ledgerFileName('x.test')));
  assert.equal(await a.newest('x.test'), undefined, 'a link is not read');
  const at = new Date();
  await a.record('x.test', seal(mx2, 'mta-guard', 'x.test', bytes('v'), at), at.toISOString());
  assert.equal(await readFile(target, 'utf8'), 'precious');
  assert.equal((await a.newest('x.test'))?.at, at.toISOString());
  assert.ok(lines.some((l) => l.includes('"fleet.ledger.unreadable"')));
  a.close();
});

test('bounded: expired records go at the next prune, and beyond the cap the oldest are forgotten', async () => {
  const { mx2, dir, open } = await setup(10);
  const a = await open();
  const now = Date.now();
  for (let i = 0; i < 8; i++) {
    const at = new Date(now - (20 - i) * 1000);
    // Every other record may be forgotten already (its ban ended).
    await a.record(`k${i}`, seal(mx2, 'mta-guard', `k${i}`, bytes(`v${i}`), at), at.toISOString(), i % 2 ? now - 1 : now + 60_000);
  }
  await a.prune();
  assert.deepEqual((await readdir(dir)).sort(), ['k0.json', 'k2.json', 'k4.json', 'k6.json']);
  for (let i = 10; i < 22; i++) {
    const at = new Date(now - (20 - i) * 1000);
    await a.record(`k${i}`, seal(mx2, 'mta-guard', `k${i}`, bytes(`v${i}`), at), at.toISOString());
  }
  await a.prune();
  const left = await readdir(dir);
  assert.ok(left.length <= 10, `${left.length} records`);
  assert.ok(!left.includes('k0.json') && left.includes('k21.json'), 'the oldest went first');
  assert.ok(lines.some((l) => l.includes('"fleet.ledger.full"')));
  a.close();
});

test('record merging: newest value wins, keepUntil only grows, retirements accumulate, unchanged writes nothing', () => {
  const v = (at: string, x: string) => bytes(JSON.stringify({ v: 1, op: 'put', at, signer: 'U', sig: 's', body: x }));
  const t1 = '2030-01-01T00:00:00.000Z';
  const t2 = '2030-01-02T00:00:00.000Z';
  const r1 = withValue(undefined, 'k', v(t1, 'a'), t1, 100);
  assert.ok(r1);
  const r2 = withValue(r1, 'k', v(t2, 'b'), t2, 50);
  assert.equal(r2?.keepUntil, 100);
  assert.equal(withValue(r2, 'k', v(t1, 'a'), t1), undefined, 'an older value changes nothing');
  assert.equal(withValue(r2, 'k', v(t2, 'b'), t2), undefined, 'the same value writes nothing');
  const r3 = withRetired(r2, 'k', ['x', 'y', 'x'], t2);
  assert.deepEqual(
    r3?.retired?.map((r) => r.id),
    ['x', 'y'],
  );
  assert.equal(withRetired(r3, 'k', ['y'], t2), undefined);
  assert.equal(r3?.value, r2?.value);
  assert.match(ledgerFileName('a/b'), /^a%2fb\.json$/);
  assert.match(ledgerFileName('x'.repeat(300)), /^%[0-9a-f]{64}\.json$/);
});
