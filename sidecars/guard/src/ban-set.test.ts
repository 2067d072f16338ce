import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Ban } from './ban.ts';
import { BanSet } from './ban-set.ts';
import { shardOf } from './tables/index.ts';

const ban = (ip: string, untilMs: number): Ban => ({
  ip,
  since: new Date(0).toISOString(),
  until: new Date(untilMs).toISOString(),
  reason: 'x',
  origin: 'guard',
  node: 'mx1',
});

test('the next expiry in order; lifted and extended bans leave no stale expiry', () => {
  const s = new BanSet(true);
  for (let i = 0; i < 50; i++) s.set(ban(`192.0.2.${i}`, 1000 + ((i * 37) % 50) * 10));
  s.delete('192.0.2.0');
  s.set(ban('192.0.2.37', 100_000));
  const order: string[] = [];
  for (let t = 0; t <= 2000; t += 10)
    for (const b of s.due(t)) {
      order.push(`${Date.parse(b.until)}`);
      s.delete(b.ip);
    }
  assert.equal(order.length, 48);
  assert.deepEqual(
    order,
    [...order].sort((a, b) => Number(a) - Number(b)),
  );
  assert.equal(s.next(), 100_000);
  assert.equal(s.size, 1);
});

test('a dovecot shard lists exactly its own bans', () => {
  const s = new BanSet(true);
  const ips = Array.from({ length: 300 }, (_, i) => `198.51.100.${i % 250}${i >= 250 ? '0' : ''}`).filter(
    (ip, i, a) => a.indexOf(ip) === i,
  );
  for (const ip of ips) s.set(ban(ip, 10_000));
  const name = shardOf(ips[0] as string);
  assert.deepEqual(
    s
      .shard(name)
      .map((b) => b.ip)
      .sort(),
    ips.filter((ip) => shardOf(ip) === name).sort(),
  );
  s.delete(ips[0] as string);
  assert.ok(!s.shard(name).some((b) => b.ip === ips[0]));
});
