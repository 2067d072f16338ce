import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnv } from '../env/index.ts';
import { mergeHeartbeats } from './heartbeat.ts';
import { fleetEnabled, fleetPeersVisible } from './mode.ts';

test('heartbeats from several sidecars merge into one row per node, newest wins', () => {
  const rows = mergeHeartbeats([
    { node: 'mx2', at: '2026-01-01T00:00:02Z', sidecar: 'acme-watch', certSerial: 'BB' },
    { node: 'mx1', at: '2026-01-01T00:00:03Z', sidecar: 'acme-watch', certSerial: 'A2' },
    { node: 'mx1', at: '2026-01-01T00:00:01Z', sidecar: 'acme-watch', certSerial: 'A1' },
    { node: 'mx1', at: '2026-01-01T00:00:02Z', sidecar: 'dkim-keys', dkim: { 'example.com.default': 'sha256:ab' } },
    { node: 'mx1', at: '2026-01-01T00:00:04Z', sidecar: 'spamd-learn', learnPending: 3 },
  ]);
  assert.equal(rows.length, 2);
  const mx1 = rows[0]!;
  assert.equal(mx1.node, 'mx1');
  assert.equal(mx1.certSerial, 'A2');
  assert.equal(mx1.learnPending, 3);
  assert.deepEqual(mx1.dkim, { 'example.com.default': 'sha256:ab' });
  assert.deepEqual(mx1.sidecars.sort(), ['acme-watch', 'dkim-keys', 'spamd-learn']);
  assert.equal(mx1.lastSeen, '2026-01-01T00:00:04Z');
});

test('fleet mode needs an explicit NATS_URL and a signing key', () => {
  assert.equal(fleetEnabled({}), false);
  assert.equal(fleetEnabled({ NATS_URL: ' ', MTA_FLEET_KEY: 'SU…' }), false);
  assert.equal(fleetEnabled({ NATS_URL: 'nats://a:4222' }), false);
  assert.equal(fleetEnabled({ NATS_URL: 'nats://a:4222', MTA_FLEET_KEY: 'SU…' }), true);
  assert.equal(fleetEnabled({ NATS_URL__FILE: '/run/secrets/url', MTA_FLEET_KEY__FILE: '/run/secrets/key' }), true);
});

test('peers are visible with an explicit NATS_URL and a trust list; no signing key needed', () => {
  const config = (env: Record<string, string>) => {
    const r = parseEnv({ HOSTNAME: 'mx1.example.com', ...env });
    assert.ok(r.ok);
    return r.config;
  };
  const trusted = config({ MTA_FLEET_TRUST: `mx2=U${'A'.repeat(55)}` });
  assert.equal(fleetPeersVisible({ NATS_URL: 'nats://a:4222' }, trusted), true);
  assert.equal(fleetPeersVisible({ NATS_URL: 'nats://a:4222' }, config({})), false);
  assert.equal(fleetPeersVisible({}, trusted), false);
});
