import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, link, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { createLogger } from '../log.ts';
import { tempTree } from '../temp-tree.test-helper.ts';
import { ensureDir } from './dir.ts';
import { isUnsafe, readNoFollow } from './open.ts';
import { fixOwnership, fixOwnershipShallow } from './owner.ts';
import { RefusedPaths } from './refused.ts';
import { writeAtomic, writeIfChanged } from './write.ts';

// Each attack plants a link (or hard link, FIFO) in a "shared" dir towards a stand-in target outside it, and shows the
// target is neither read, changed nor re-owned.
const root = tempTree('mta-safe-', 'shared', 'outside');
const shared = join(root, 'shared');
const outside = join(root, 'outside');
const target = join(outside, 'target');
before(async () => {
  await writeFile(target, 'precious\n', { mode: 0o600 });
  // Owned by "another user", so a chown through a link would show; the shared dir is that user's, as amavis's home.
  if (process.getuid?.() === 0) {
    await chown(target, 4321, 4321);
    await chown(shared, 4321, 4321);
  }
});
const targetUid = () => (process.getuid?.() === 0 ? 4321 : process.getuid?.());

const untouched = async () => {
  const st = await stat(target);
  assert.equal(await readFile(target, 'utf8'), 'precious\n');
  assert.equal(st.mode & 0o7777, 0o600);
  assert.equal(st.uid, targetUid());
};
const refused = async (p: Promise<unknown>, reason: RegExp) => {
  await assert.rejects(p, (e) => isUnsafe(e) && reason.test(e.reason));
  await untouched();
};

test('writeAtomic replaces a planted link instead of writing through it', async () => {
  const p = join(shared, 'a.txt');
  await symlink(target, p);
  await writeAtomic(p, 'mine', { mode: 0o644 });
  assert.equal((await lstat(p)).isSymbolicLink(), false);
  assert.equal(await readFile(p, 'utf8'), 'mine');
  await untouched();
});

test('writeIfChanged, fixOwnership and readNoFollow refuse links, hard links and FIFOs', async () => {
  const soft = join(shared, 'soft');
  const hard = join(shared, 'hard');
  const fifo = join(shared, 'fifo');
  await symlink(target, soft);
  await link(target, hard);
  execFileSync('mkfifo', [fifo]);
  for (const p of [soft, hard]) {
    await refused(writeIfChanged(p, 'precious\n', { mode: 0o644, uid: 0, gid: 0 }), /symbolic link|hard links/);
    await refused(writeIfChanged(p, 'other', { mode: 0o644 }), /symbolic link|hard links/);
    await refused(fixOwnership(p, { mode: 0o666, uid: 0, gid: 0 }), /symbolic link|hard links/);
    await refused(readNoFollow(p), /symbolic link|hard links/);
  }
  await refused(readNoFollow(fifo), /not a regular file/);
  await refused(fixOwnership(fifo, { mode: 0o666 }), /not a regular file/);
  await rm(hard);
});

test('ensureDir refuses a link in place of the directory; a shallow ownership fix skips links', async () => {
  const dir = join(shared, 'tmp');
  await symlink(outside, dir);
  const before = await stat(outside);
  await assert.rejects(ensureDir(dir, { mode: 0o777, uid: 0, gid: 0 }), (e) => isUnsafe(e));
  assert.equal((await stat(outside)).mode, before.mode);
  await rm(dir);
  assert.equal(await ensureDir(dir, { mode: 0o750 }), true);
  assert.equal((await stat(dir)).mode & 0o777, 0o750);
  await writeFile(join(dir, 'identity'), 'x', { mode: 0o600 });
  await symlink(target, join(dir, 'planted'));
  const r = await fixOwnershipShallow(dir, { uid: process.getuid?.() ?? 0, gid: 0 });
  assert.deepEqual(
    r.refused.map((e) => e.path),
    [join(dir, 'planted')],
  );
  assert.deepEqual((await readdir(dir)).sort(), ['identity', 'planted']);
  await untouched();
});

test("ensureDir follows a link only root could have made (the image's own), to the directory it names", async () => {
  const mine = join(root, 'mine');
  await mkdir(mine, { mode: 0o755 });
  const real = join(root, 'real');
  await symlink(real, join(mine, 'conf'));
  assert.equal(await ensureDir(join(mine, 'conf'), { mode: 0o750, uid: 0, gid: 0 }), true);
  assert.equal((await stat(real)).mode & 0o777, 0o750);
  // The same link in a directory other users can write may have been planted: refused.
  await chmod(mine, 0o777);
  await assert.rejects(ensureDir(join(mine, 'conf'), { mode: 0o700, uid: 0, gid: 0 }), (e) => isUnsafe(e));
  assert.equal((await stat(real)).mode & 0o777, 0o750);
});

test('a refused path is logged once as fs.refused, other errors are not swallowed', async () => {
  const lines: string[] = [];
  const log = createLogger({ sidecar: 't', node: 'n', destination: { write: (s: string) => void lines.push(s) } });
  const r = new RefusedPaths(log, 't');
  const soft = join(shared, 'again');
  await symlink(target, soft);
  for (let i = 0; i < 3; i++) assert.equal(r.report(await readNoFollow(soft).catch((e) => e)), true);
  assert.equal(r.report(new Error('EIO')), false);
  const events = lines.map((l) => JSON.parse(l)).filter((l) => l.event === 'fs.refused');
  assert.equal(events.length, 1);
  assert.equal(events[0].path, soft);
});
