import assert from 'node:assert/strict';
import { chown, lchown, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { adoptFromAmavis } from './adopt.ts';

// What an earlier version (spamd-learn as amavis) left under srv/var/spamd-learn becomes the reader's; what amavis
// planted there (a link to its own file elsewhere) is not followed.
const AMAVIS = 4311;
const READER = { name: 'spamd-learn', uid: 4312, gid: 4313, home: '/' };
let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mta-adopt-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('failed/ and the outbox change hands, links are skipped', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const keep = join(root, 'keep');
  const elsewhere = join(root, 'elsewhere');
  await writeFile(elsewhere, 'amavis elsewhere');
  await mkdir(join(keep, 'outbox/spam'), { recursive: true });
  await mkdir(join(keep, 'failed'));
  await writeFile(join(keep, 'outbox/spam/m.eml'), 'x', { mode: 0o600 });
  await writeFile(join(keep, 'failed/spam-a.eml'), 'x', { mode: 0o640 });
  await symlink(elsewhere, join(keep, 'outbox/spam/planted.eml'));
  for (const p of ['outbox', 'outbox/spam', 'outbox/spam/m.eml', 'failed', 'failed/spam-a.eml']) await chown(join(keep, p), AMAVIS, AMAVIS);
  await chown(elsewhere, AMAVIS, AMAVIS);
  await lchown(join(keep, 'outbox/spam/planted.eml'), AMAVIS, AMAVIS);
  await adoptFromAmavis(keep, AMAVIS, READER);
  for (const p of ['outbox', 'outbox/spam', 'outbox/spam/m.eml', 'failed', 'failed/spam-a.eml']) {
    const st = await lstat(join(keep, p));
    assert.deepEqual([st.uid, st.gid], [READER.uid, READER.gid], p);
  }
  assert.equal((await lstat(join(keep, 'outbox/spam/planted.eml'))).uid, AMAVIS, 'the link itself is left alone');
  assert.equal((await lstat(elsewhere)).uid, AMAVIS, 'and what it names');
});
