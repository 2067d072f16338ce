import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, LOOPBACK, type MailLogEvent, mtaPaths, NetworkSet, parseCidr } from '@mta/shared';
import { parseBan } from './ban.ts';
import type { CapConfig } from './caps.ts';
import { GuardService } from './service.ts';
import { BanStore } from './store.ts';
import { BAN_REPLY, parseShard, postfixLookup, SHARDS, shardOf } from './tables/index.ts';

function setup(now: { t: number }, caps: CapConfig) {
  const root = mkdtempSync(join(tmpdir(), 'mta-guard-'));
  const paths = mtaPaths(root);
  mkdirSync(paths.postfixConf, { recursive: true });
  mkdirSync(paths.dovecotConf, { recursive: true });
  writeFileSync(join(paths.postfixConf, 'main.cf'), 'compatibility_level = 3.6\n');
  const store = new BanStore(paths.guardState);
  const published: [string, Record<string, unknown>][] = [];
  const changes: string[] = [];
  const lines: string[] = [];
  const guard = new GuardService({
    paths,
    store,
    policy: { authFailures: 2, rejects: 5, windowMs: 60_000 },
    caps,
    banMs: 3_600_000,
    protect: new NetworkSet([...LOOPBACK, parseCidr('10.0.0.0/8')!]),
    node: 'mx1',
    dovecot: true,
    log: createLogger({ sidecar: 'guard', node: 'mx1', destination: { write: (s: string) => void lines.push(s) } }),
    bus: { publish: (s: string, p: Record<string, unknown>) => void published.push([s, p]) } as never,
    now: () => now.t,
    onChange: (a, l) => changes.push(`+${a.map((b) => b.ip).join(',')} -${l.map((b) => b.ip).join(',')}`),
  });
  const shard = (ip: string) => parseShard(readFileSync(join(paths.guardDovecotDir, shardOf(ip)), 'utf8')).map((e) => e.ip);
  return { root, paths, store, guard, published, changes, lines, shard, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

// A guard over a fresh temp root at a settable clock; cleaned up after `fn`.
async function withGuard(fn: (s: ReturnType<typeof setup>, now: { t: number }) => Promise<void>, caps = { perMinute: 100, total: 1000 }) {
  const now = { t: Date.parse('2026-01-01T00:00:00Z') };
  const s = setup(now, caps);
  try {
    await fn(s, now);
  } finally {
    await s.guard.close();
    s.cleanup();
  }
}

const byHand = (ip: string) => ({
  ip,
  since: '2026-01-01T00:00:00.000Z',
  until: '2026-01-02T00:00:00.000Z',
  reason: 'by hand',
  origin: 'operator' as const,
  node: 'mx1',
});

const fail = (ip: string): MailLogEvent => ({ kind: 'auth-failed', daemon: 'dovecot', service: 'imap', ip, count: 1 });

test('failed logins ban an address in both tables, publish once, expire; protected addresses never', async () => {
  await withGuard(async (s, now) => {
    await s.guard.start();
    assert.equal(readFileSync(join(s.paths.guardDovecotDir, SHARDS[0] as string), 'utf8').startsWith('#'), true, 'every shard exists');
    for (const ip of ['127.0.0.1', '10.1.2.3', '::1', '::ffff:10.1.2.3'])
      for (let i = 0; i < 5; i++) assert.equal(await s.guard.onEvent(fail(ip)), undefined);
    assert.equal(await s.guard.onEvent(fail('192.0.2.7')), undefined);
    const ban = await s.guard.onEvent(fail('192.0.2.7'));
    assert.equal(ban?.until, '2026-01-01T01:00:00.000Z');
    assert.equal(await s.guard.onEvent(fail('192.0.2.7')), undefined, 'already banned');
    assert.equal(await postfixLookup(s.paths, '192.0.2.7'), BAN_REPLY);
    assert.equal(await postfixLookup(s.paths, '10.1.2.3'), undefined);
    assert.deepEqual(s.shard('192.0.2.7'), ['192.0.2.7']);
    assert.match(readFileSync(join(s.paths.guardDovecotDir, 'e9'), 'utf8'), /^e9cc93d8ae23cfc5941cec7cc4ee788a:$/m);
    assert.deepEqual(
      s.published.map(([sub, p]) => `${sub} ${p.ip}`),
      ['mta.guard.banned 192.0.2.7'],
    );
    assert.deepEqual(s.changes, ['+192.0.2.7 -']);
    now.t += 3_600_001;
    await s.guard.expireDue();
    assert.equal(await postfixLookup(s.paths, '192.0.2.7'), undefined);
    assert.deepEqual(s.shard('192.0.2.7'), []);
    assert.deepEqual(s.published.at(-1), ['mta.guard.unbanned', { ip: '192.0.2.7', why: 'expired', reason: ban?.reason }]);
    assert.deepEqual(await s.store.list(), []);
    assert.deepEqual(s.changes, ['+192.0.2.7 -'], 'an expiry is no lift');
  });
});

test('bans survive a restart without being announced again; files written by the CLI are picked up', async () => {
  await withGuard(async (s) => {
    await s.store.put(byHand('2001:db8::9'));
    await s.guard.start();
    assert.equal(s.published.length, 0);
    assert.equal(await postfixLookup(s.paths, '2001:db8::9'), BAN_REPLY);
    assert.match(s.lines.join(''), /"event":"guard\.restored","bans":1/);
    await s.store.put(byHand('198.51.100.1'));
    await s.guard.fileChanged('198.51.100.1.json');
    assert.deepEqual(
      s.published.map(([, p]) => p.ip),
      ['198.51.100.1'],
    );
    assert.equal(await postfixLookup(s.paths, '198.51.100.1'), BAN_REPLY);
    // its own write, seen again by the watcher, changes nothing
    await s.guard.fileChanged('198.51.100.1.json');
    assert.equal(s.published.length, 1);
    await s.store.remove('198.51.100.1');
    await s.guard.fileChanged('198.51.100.1.json');
    assert.deepEqual(s.published.at(-1)?.[1], { ip: '198.51.100.1', why: 'lifted', reason: 'by hand' });
    assert.equal(s.changes.at(-1), '+ -198.51.100.1');
    assert.equal(await postfixLookup(s.paths, '198.51.100.1'), undefined);
    // a planted file with garbage, or a name that does not match its address, is ignored
    writeFileSync(join(s.store.dir, '203.0.113.1.json'), JSON.stringify({ ...byHand('203.0.113.2') }));
    writeFileSync(join(s.store.dir, 'junk.json'), '{');
    await s.guard.fileChanged('203.0.113.1.json');
    await s.guard.fileChanged('junk.json');
    await s.guard.fileChanged(undefined);
    assert.deepEqual(
      s.guard.list().map((b) => b.ip),
      ['2001:db8::9'],
    );
    assert.equal(await postfixLookup(s.paths, '203.0.113.2'), undefined);
  });
});

test('fleet entries: adopted unless protected or already longer; a lift marker lifts', async () => {
  await withGuard(async (s, now) => {
    await s.guard.start();
    const entry = {
      ip: '192.0.2.50',
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-01-01T02:00:00.000Z',
      reason: 'pregreet',
      origin: 'guard' as const,
      node: 'mx2',
    };
    assert.equal(await s.guard.adopt(entry), 'adopted');
    assert.equal((await s.store.get('192.0.2.50'))?.origin, 'fleet');
    assert.equal(await postfixLookup(s.paths, '192.0.2.50'), BAN_REPLY);
    assert.equal(await s.guard.adopt(entry), 'ignored');
    assert.equal(await s.guard.adopt({ ...entry, ip: '10.9.9.9' }), 'protected');
    assert.equal(await s.guard.adopt({ ...entry, until: '2026-01-01T00:00:00.000Z' }), 'lifted');
    assert.equal(await s.store.get('192.0.2.50'), undefined);
    assert.equal(await postfixLookup(s.paths, '192.0.2.50'), undefined);
    assert.equal(parseBan({ ...entry, until: '2099-01-01T00:00:00Z' }, now.t), undefined, 'longer than a year');
    assert.equal(parseBan({ ...entry, reason: 'a\nb' }, now.t), undefined);
  });
});

test('caps: new bans per minute and in force, the guard and the fleet alike; refusals logged and published', async () => {
  await withGuard(
    async (s, now) => {
      await s.guard.start();
      const offend = async (ip: string) => {
        await s.guard.onEvent(fail(ip));
        return s.guard.onEvent(fail(ip));
      };
      assert.ok(await offend('192.0.2.1'));
      assert.ok(await offend('192.0.2.2'));
      assert.equal(await offend('192.0.2.3'), undefined, 'third within the minute');
      // a fleet ban over the per-minute cap waits for the next minute
      const entry = { ip: '192.0.2.60', since: new Date(now.t).toISOString(), until: new Date(now.t + 600_000).toISOString() };
      assert.equal(await s.guard.adopt({ ...entry, reason: 'x', origin: 'guard', node: 'mx2' }), 'deferred');
      assert.equal(await postfixLookup(s.paths, '192.0.2.3'), undefined);
      assert.equal(await postfixLookup(s.paths, '192.0.2.60'), undefined);
      const capped = s.published.filter(([sub]) => sub === 'mta.guard.capped');
      assert.deepEqual(capped, [['mta.guard.capped', { cap: 'per-minute', limit: 2, refused: 1, origin: 'guard' }]]);
      assert.match(s.lines.join(''), /"event":"guard\.capped","cap":"per-minute","limit":2,"refused":1,"origin":"guard"/);
      now.t += 61_000;
      await s.guard.drainWaiting();
      assert.equal(await postfixLookup(s.paths, '192.0.2.60'), BAN_REPLY, 'taken in the next minute');
      assert.equal(await offend('192.0.2.5'), undefined, 'three in force');
      const later = { ...entry, ip: '192.0.2.61', reason: 'x', origin: 'guard' as const, node: 'mx2' };
      assert.equal(await s.guard.adopt(later), 'capped', 'over the total: dropped');
      await s.guard.close();
      assert.deepEqual(
        s.published.filter(([sub]) => sub === 'mta.guard.capped').map(([, p]) => `${p.cap} ${p.refused} ${p.origin}`),
        // refusals within a minute of a report wait for the next one (here: close)
        ['per-minute 1 guard', 'total 1 guard', 'per-minute 1 fleet', 'total 1 fleet'],
      );
    },
    { perMinute: 2, total: 3 },
  );
});
