import assert from 'node:assert/strict';
import { chownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSeed } from '@mta/seed/run';
import { lookupUser } from '@mta/shared';
import { memoryLogger, testInstanceEnv } from '../harness/index.ts';
import { seedFixture } from './snapshot.ts';

const { freshRoot } = seedFixture();

// amavis owns /var/amavis: a parser bug makes an attacker that uid, who can replace the dirs the seed fixes up with
// links to anything. Each points at its own stand-in target (root's, 0700, with a file); none may change.
const PLANTED = ['tmp', 'db', '.razor', '.spamassassin', 'quarantine'];

test('amavis-owned dirs replaced by links: refused and logged once each, the targets keep owner and mode, the rest is seeded', async () => {
  const root = await freshRoot();
  const home = join(root, 'var/amavis');
  mkdirSync(home, { recursive: true });
  const amavis = await lookupUser('amavis');
  chownSync(home, amavis.uid, amavis.gid);
  const targets = PLANTED.map((name) => {
    const target = join(root, 'outside', name);
    mkdirSync(target, { recursive: true, mode: 0o700 });
    writeFileSync(join(target, 'precious'), 'x', { mode: 0o600 });
    symlinkSync(target, join(home, name));
    return target;
  });
  const lines: string[] = [];
  const r = await runSeed({
    env: { ...testInstanceEnv(root), MAIL_DOMAIN: 'example.com' },
    root,
    variant: 'full',
    log: memoryLogger(lines),
  });
  assert.equal(r.status, 'applied', JSON.stringify(r.errors));
  for (const t of targets) {
    for (const p of [t, join(t, 'precious')]) {
      const st = statSync(p);
      assert.equal(st.uid, 0, `${p} still root's`);
      assert.equal(st.mode & 0o777, p === t ? 0o700 : 0o600, `${p} mode unchanged`);
    }
  }
  const refused = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'fs.refused');
  assert.deepEqual(refused.map((l) => l.path).sort(), PLANTED.map((n) => join(home, n)).sort());
  assert.ok(refused.every((l) => /symbolic link/.test(l.reason)));
  // The dirs nobody tampered with are made as planned.
  const v = statSync(join(home, 'var'));
  assert.deepEqual([v.uid, v.mode & 0o777], [amavis.uid, 0o750]);
});
