import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createLogger, DayFleet, DMARC_BUCKET, type FleetBucket, FleetIdentity } from '@mta/shared';
import { createUser } from '@nats-io/nkeys';
import { TlsRptService } from './service.ts';

// A KV bucket in memory with NATS's semantics for what DayFleet uses: get, put, create (fails when the key
// exists), update (fails unless the revision is the last).
function memoryBucket(): FleetBucket {
  const m = new Map<string, { value: Uint8Array; revision: number; operation: 'PUT' }>();
  let rev = 0;
  const kv = {
    get: async (k: string) => m.get(k) ?? null,
    put: async (k: string, value: Uint8Array) => {
      m.set(k, { value, revision: ++rev, operation: 'PUT' });
      return rev;
    },
    create: async (k: string, value: Uint8Array) => {
      if (m.has(k)) throw new Error('wrong last sequence');
      return kv.put(k, value);
    },
    update: async (k: string, value: Uint8Array, revision: number) => {
      if (m.get(k)?.revision !== revision) throw new Error('wrong last sequence');
      return kv.put(k, value);
    },
  };
  return kv as unknown as FleetBucket;
}

const dgram = (f: 0 | 1) =>
  Buffer.from(
    JSON.stringify({
      dpv: '1',
      d: 'a.example',
      policies: [{ 'policy-type': 1, ...(f ? { 'failure-details': [{ c: 304 }] } : {}), t: f, f }],
    }),
  );

test("a two-node fleet: one report for the domain, with both nodes' sessions; the other node stands down", async () => {
  const seeds = [0, 1].map(() => new TextDecoder().decode(createUser().getSeed()));
  const pubs = await Promise.all(seeds.map(async (s) => (await FleetIdentity.load(s, 'x')).publicKey));
  const trust = [
    { name: 'mx1', key: pubs[0] as string },
    { name: 'mx2', key: pubs[1] as string },
  ];
  const kv = memoryBucket();
  const log = createLogger({ sidecar: 'mta-sts', node: 'mx', destination: { write: () => undefined } });
  const sent: string[] = [];
  const posted: Buffer[] = [];
  let clock = Date.parse('2026-01-01T12:00:00Z');
  const dirs: string[] = [];
  const node = async (i: number) => {
    const name = `mx${i + 1}`;
    const id = await FleetIdentity.load(seeds[i] as string, name, trust);
    const fleet = new DayFleet({
      kv,
      id,
      bucket: DMARC_BUCKET,
      prefix: 'tlsrpt.',
      what: 'TLS-RPT',
      events: 'tlsrpt',
      log,
      onRefused: () => assert.fail('refused'),
    });
    const dir = mkdtempSync(join(tmpdir(), `mta-tlsrpt-${name}-`));
    dirs.push(dir);
    const s = new TlsRptService({
      stateDir: dir,
      reporter: { org: 'Fleet', email: 'tls@us.example', node: name },
      log,
      txt: async () => ['v=TLSRPTv1; rua=https://r.a.example/x'],
      submit: async (raw) => void sent.push(raw),
      post: async (_url, gz) => void posted.push(gz),
      now: () => clock,
      fleet: () => fleet,
      node: name,
      passMs: 3_600_000,
    });
    await s.start();
    return { s, fleet };
  };
  try {
    const [a, b] = [await node(0), await node(1)];
    a.s.take(dgram(0));
    a.s.take(dgram(0));
    b.s.take(dgram(1));
    for (const n of [a, b]) await n.s.runOnce();
    // 00:11: the first in line sends; 02:11 the second would, but the first already did.
    clock = Date.parse('2026-01-02T00:11:00Z');
    for (const n of [a, b]) await n.s.runOnce();
    assert.equal(posted.length, 1);
    clock = Date.parse('2026-01-02T02:11:00Z');
    for (const n of [a, b]) await n.s.runOnce();
    assert.equal(posted.length, 1);
    const r = JSON.parse(gunzipSync(posted[0] as Buffer).toString('utf8'));
    assert.deepEqual(r.policies[0].summary, { 'total-successful-session-count': 2, 'total-failure-session-count': 1 });
    assert.equal(r.policies[0].policy['policy-type'], 'tlsa');
    assert.equal(r.policies[0]['failure-details'][0]['result-type'], 'tlsa-invalid');
    for (const n of [a, b]) await n.s.close();
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
