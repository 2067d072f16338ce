import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger, LOOPBACK, type MailLogEvent, mtaPaths, NetworkSet, parseCidr } from '@mta/shared';
import { parseBan } from './ban.ts';
import { renderDovecotMap } from './maps.ts';
import { GuardService } from './service.ts';
import { BanStore } from './store.ts';

function setup(now: { t: number }) {
  const root = mkdtempSync(join(tmpdir(), 'mta-guard-'));
  const paths = mtaPaths(root);
  mkdirSync(paths.postfixConf, { recursive: true });
  mkdirSync(paths.dovecotConf, { recursive: true });
  const store = new BanStore(paths.guardState);
  const published: [string, Record<string, unknown>][] = [];
  const changes: string[] = [];
  const lines: string[] = [];
  const guard = new GuardService({
    paths,
    store,
    policy: { authFailures: 2, rejects: 5, windowMs: 60_000 },
    banMs: 3_600_000,
    protect: new NetworkSet([...LOOPBACK, parseCidr('10.0.0.0/8')!]),
    node: 'mx1',
    dovecot: true,
    log: createLogger({ sidecar: 'guard', node: 'mx1', destination: { write: (s: string) => void lines.push(s) } }),
    bus: { publish: (s: string, p: Record<string, unknown>) => void published.push([s, p]) } as never,
    now: () => now.t,
    onChange: (a, l) => changes.push(`+${a.map((b) => b.ip).join(',')} -${l.map((b) => b.ip).join(',')}`),
  });
  return { root, paths, store, guard, published, changes, lines, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

// A guard over a fresh temp root at a settable clock; cleaned up after `fn`.
async function withGuard(fn: (s: ReturnType<typeof setup>, now: { t: number }) => Promise<void>): Promise<void> {
  const now = { t: Date.parse('2026-01-01T00:00:00Z') };
  const s = setup(now);
  try {
    await fn(s, now);
  } finally {
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

test('failed logins ban an address in both maps, publish once, expire; protected addresses never', async () => {
  await withGuard(async (s, now) => {
    await s.guard.sync();
    for (const ip of ['127.0.0.1', '10.1.2.3', '::1', '::ffff:10.1.2.3'])
      for (let i = 0; i < 5; i++) assert.equal(await s.guard.onEvent(fail(ip)), undefined);
    assert.equal(await s.guard.onEvent(fail('192.0.2.7')), undefined);
    const ban = await s.guard.onEvent(fail('192.0.2.7'));
    assert.equal(ban?.until, '2026-01-01T01:00:00.000Z');
    assert.equal(await s.guard.onEvent(fail('192.0.2.7')), undefined, 'already banned');
    assert.match(readFileSync(s.paths.guardPostfixMap, 'utf8'), /^192\.0\.2\.7\tREJECT$/m);
    assert.equal(readFileSync(s.paths.guardDovecotMap, 'utf8'), renderDovecotMap([ban!]));
    assert.match(readFileSync(s.paths.guardDovecotMap, 'utf8'), /^e9cc93d8ae23cfc5941cec7cc4ee788a:$/m);
    assert.deepEqual(
      s.published.map(([sub, p]) => `${sub} ${p.ip}`),
      ['mta.guard.banned 192.0.2.7'],
    );
    assert.deepEqual(s.changes, ['+192.0.2.7 -']);
    now.t += 3_600_001;
    await s.guard.sync();
    assert.doesNotMatch(readFileSync(s.paths.guardPostfixMap, 'utf8'), /192\.0\.2\.7/);
    assert.deepEqual(s.published.at(-1), ['mta.guard.unbanned', { ip: '192.0.2.7', why: 'expired', reason: ban?.reason }]);
    assert.deepEqual(await s.store.list(), []);
  });
});

test('bans survive a restart without being announced again; files written by the CLI are picked up', async () => {
  await withGuard(async (s) => {
    await s.store.put(byHand('2001:db8::9'));
    await s.guard.sync();
    assert.equal(s.published.length, 0);
    assert.match(readFileSync(s.paths.guardPostfixMap, 'utf8'), /^2001:db8::9\tREJECT$/m);
    await s.store.put(byHand('198.51.100.1'));
    await s.guard.sync();
    assert.deepEqual(
      s.published.map(([, p]) => p.ip),
      ['198.51.100.1'],
    );
    await s.store.remove('198.51.100.1');
    await s.guard.sync();
    assert.deepEqual(s.published.at(-1)?.[1], { ip: '198.51.100.1', why: 'lifted', reason: 'by hand' });
    assert.equal(s.changes.at(-1), '+ -198.51.100.1');
    // a planted file with garbage, or a name that does not match its address, is ignored
    writeFileSync(join(s.store.dir, '203.0.113.1.json'), JSON.stringify({ ip: '203.0.113.2', since: 'x' }));
    writeFileSync(join(s.store.dir, 'junk.json'), '{');
    await s.guard.sync();
    assert.deepEqual(
      (await s.store.list()).map((b) => b.ip),
      ['2001:db8::9'],
    );
  });
});

test('fleet entries: adopted unless protected or already longer; a lift marker lifts', async () => {
  await withGuard(async (s, now) => {
    await s.guard.sync();
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
    assert.equal(await s.guard.adopt(entry), 'ignored');
    assert.equal(await s.guard.adopt({ ...entry, ip: '10.9.9.9' }), 'protected');
    assert.equal(await s.guard.adopt({ ...entry, until: '2026-01-01T00:00:00.000Z' }), 'lifted');
    assert.equal(await s.store.get('192.0.2.50'), undefined);
    assert.equal(parseBan({ ...entry, until: '2099-01-01T00:00:00Z' }, now.t), undefined, 'longer than a year');
    assert.equal(parseBan({ ...entry, reason: 'a\nb' }, now.t), undefined);
  });
});
