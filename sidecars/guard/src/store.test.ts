import assert from 'node:assert/strict';
import { linkSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Ban } from './ban.ts';
import { BanStore } from './store.ts';

const soon = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const ban = (ip: string, until = soon(1)): Ban => ({
  ip,
  since: new Date().toISOString(),
  until,
  reason: 'test',
  origin: 'operator',
  node: 'mx1',
});

test('the bans on disk, soonest end first; what is not a ban file of its own address is reported, never trusted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-banstore-'));
  try {
    const store = new BanStore(dir);
    await store.put(ban('192.0.2.1', soon(2)));
    await store.put(ban('2001:db8::1', soon(1)));
    // A ban written under another address's name, a file too large to be a ban, a broken one, a link to a ban
    // outside, and a hard link: none counts.
    writeFileSync(join(store.dir, '192.0.2.9.json'), JSON.stringify(ban('192.0.2.10')));
    writeFileSync(join(store.dir, '192.0.2.11.json'), JSON.stringify({ ...ban('192.0.2.11'), reason: 'x'.repeat(10_000) }));
    writeFileSync(join(store.dir, '192.0.2.12.json'), '{');
    const outside = join(dir, 'outside.json');
    writeFileSync(outside, JSON.stringify(ban('192.0.2.13')));
    symlinkSync(outside, join(store.dir, '192.0.2.13.json'));
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify(ban('192.0.2.14')));
    linkSync(other, join(store.dir, '192.0.2.14.json'));
    const bad: string[] = [];
    const bans = await store.list((f) => bad.push(f));
    assert.deepEqual(
      bans.map((b) => b.ip),
      ['2001:db8::1', '192.0.2.1'],
    );
    assert.deepEqual(bad.sort(), ['192.0.2.11.json', '192.0.2.12.json', '192.0.2.9.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
