import assert from 'node:assert/strict';
import { chmod, chown, lchown, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isUnsafe } from './open.ts';
import { rootOnlyDir } from './root-path.ts';

// The operator's part of KOPANO_SPAMD_LIB: accepted only when nobody but root could swap a component of it.
const asRoot = { skip: process.getuid?.() !== 0 && 'needs root (ownership of the components)' };
let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mta-rootpath-'));
  await chmod(root, 0o755);
});
after(() => rm(root, { recursive: true, force: true }));

const refusedAt = async (path: string, at: string, reason: RegExp) =>
  assert.rejects(rootOnlyDir(path), (e) => isUnsafe(e) && e.path === at && reason.test(e.reason));

test('root-only directories and root-made links resolve to the real path', asRoot, async () => {
  await mkdir(join(root, 'var/lib/kopano'), { recursive: true, mode: 0o755 });
  await symlink(join(root, 'var/lib'), join(root, 'lib'));
  assert.equal(await rootOnlyDir(join(root, 'lib/kopano')), join(root, 'var/lib/kopano'));
  assert.equal(await rootOnlyDir(join(root, 'lib/../lib/kopano/.')), join(root, 'var/lib/kopano'));
  // /tmp's sticky bit: others may add entries, never swap root's.
  await mkdir(join(root, 'sticky/inner'), { recursive: true, mode: 0o755 });
  await chmod(join(root, 'sticky'), 0o1777);
  assert.equal(await rootOnlyDir(join(root, 'sticky/inner')), join(root, 'sticky/inner'));
});

test("a component another uid owns or may write, or another uid's link, is refused by name", asRoot, async () => {
  await mkdir(join(root, 'theirs/spamd'), { recursive: true, mode: 0o755 });
  await chown(join(root, 'theirs'), 4321, 4321);
  await refusedAt(join(root, 'theirs/spamd'), join(root, 'theirs'), /uid 4321/);
  await mkdir(join(root, 'open/spamd'), { recursive: true, mode: 0o755 });
  await chmod(join(root, 'open'), 0o775);
  await refusedAt(join(root, 'open/spamd'), join(root, 'open'), /others can write/);
  await symlink(join(root, 'var'), join(root, 'planted'));
  await lchown(join(root, 'planted'), 4321, 4321);
  await refusedAt(join(root, 'planted/lib'), join(root, 'planted'), /symbolic link of uid 4321/);
  await refusedAt('relative/path', 'relative/path', /not an absolute path/);
});
