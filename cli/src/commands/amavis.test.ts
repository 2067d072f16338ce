import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCaptured } from '../testing.ts';

const root = mkdtempSync(join(tmpdir(), 'mta-amavis-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('mta amavis reload: says when amavis is not running, and sends nothing', async () => {
  const r = await runCaptured(['amavis', 'reload'], { MTA_ROOT: root });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'amavis is not running; nothing to reload');
});

test('mta amavis reload: a variant without amavis exits 2', async () => {
  const mini = join(root, 'mini');
  mkdirSync(join(mini, 'usr/share/mta'), { recursive: true });
  writeFileSync(join(mini, 'usr/share/mta/variant'), 'mini\n');
  const r = await runCaptured(['amavis', 'reload'], { MTA_ROOT: mini });
  assert.equal(r.code, 2);
  assert.match(r.err, /^mta amavis reload: needs amavis, which this image \(mini\) does not include/);
});
