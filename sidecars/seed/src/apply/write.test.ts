import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { removeStaleTemps } from './stale.ts';

const dir = mkdtempSync(join(tmpdir(), 'mta-seed-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('removeStaleTemps deletes what an interrupted run left, nothing else', async () => {
  for (const f of ['main.cf.123456', '.main.cf.mta-tmp-12-3', '.boxes.seed-tmp', '.boxes.seed-tmp.db', 'main.cf.bak', 'other.1'])
    writeFileSync(join(dir, f), '');
  const removed = await removeStaleTemps([join(dir, 'main.cf'), join(dir, 'boxes')]);
  assert.deepEqual(removed.map((p) => p.slice(dir.length + 1)).sort(), [
    '.boxes.seed-tmp',
    '.boxes.seed-tmp.db',
    '.main.cf.mta-tmp-12-3',
    'main.cf.123456',
  ]);
  assert.ok(readdirSync(dir).includes('main.cf.bak') && readdirSync(dir).includes('other.1'));
});
