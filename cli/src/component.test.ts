import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isMissing } from './component.ts';
import { runCaptured } from './testing.ts';

const notFound = (path: string) =>
  Object.assign(new Error(`Cannot find module '${path}' imported from /opt/mta/cli/dist/commands/dkim.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });

test('a missing component is told apart from a dependency of it failing', () => {
  assert.equal(isMissing(notFound('/opt/mta/node_modules/@mta/dkim-keys/dist/index.js'), 'dkim-keys'), true);
  assert.equal(isMissing(notFound('/opt/mta/sidecars/spamd-learn/dist/index.js'), 'spamd-learn'), true);
  assert.equal(isMissing(notFound('/opt/mta/node_modules/chokidar/index.js'), 'dkim-keys'), false);
  assert.equal(isMissing(new Error('@mta/dkim-keys/ broke'), 'dkim-keys'), false);
});

test('a command for a daemon the image lacks exits 2 naming it; outside an image it runs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mta-component-'));
  try {
    const ls = await runCaptured(['quarantine', 'ls'], { MTA_ROOT: root });
    assert.equal(ls.code, 0, ls.err);
    mkdirSync(join(root, 'usr/share/mta'), { recursive: true });
    writeFileSync(join(root, 'usr/share/mta/variant'), 'base\n');
    for (const args of [
      ['quarantine', 'ls'],
      ['quarantine', 'release', 'x'],
    ]) {
      const r = await runCaptured(args, { MTA_ROOT: root });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /needs amavis, which this image \(base\) does not include; it is in: full/);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
