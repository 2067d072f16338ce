import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { link, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tempTree } from '../temp-tree.test-helper.ts';
import { DirHandle } from './dir-handle.ts';
import { isUnsafe } from './open.ts';

// A "drop folder" another uid owns and an outside directory with the same entry names: whatever is done to the
// folder's path after it was opened, reads, listings and removals through the handle stay in the folder.
const root = tempTree('mta-dirhandle-', 'spam', 'outside');
const folder = join(root, 'spam');
const outside = join(root, 'outside');
before(async () => {
  for (const d of [folder, outside]) await writeFile(join(d, 'a.eml'), d === folder ? 'inside\n' : 'outside\n');
});

const outsideIntact = async () => {
  assert.deepEqual(await readdir(outside), ['a.eml']);
  assert.equal(await readFile(join(outside, 'a.eml'), 'utf8'), 'outside\n');
};

test('the folder swapped for a link to another directory: list, read and unlink still act on the folder', async () => {
  const dir = await DirHandle.open(folder);
  try {
    await rename(folder, join(root, 'spam.real'));
    await symlink(outside, folder);
    assert.deepEqual(await dir.list(), ['a.eml']);
    const { data, st } = await dir.read('a.eml');
    assert.equal(data.toString(), 'inside\n');
    assert.equal(await dir.unlinkIfSame('a.eml', st), true);
    assert.deepEqual(await readdir(join(root, 'spam.real')), []);
    await outsideIntact();
  } finally {
    await dir.close();
    await rm(folder);
    await rename(join(root, 'spam.real'), folder);
  }
});

test('a link, a hard link, a FIFO and a name that walks out are refused; the folder itself may not be a link', async () => {
  const dir = await DirHandle.open(folder);
  try {
    await symlink(join(outside, 'a.eml'), join(folder, 'soft.eml'));
    await link(join(outside, 'a.eml'), join(folder, 'hard.eml'));
    execFileSync('mkfifo', [join(folder, 'fifo.eml')]);
    const reason = async (name: string) => {
      const e = await dir.read(name).catch((x: unknown) => x);
      assert.ok(isUnsafe(e), `${name}: ${String(e)}`);
      assert.equal(e.path, `${folder}/${name}`, 'errors name the folder path, not /proc');
      return e.reason;
    };
    assert.match(await reason('soft.eml'), /symbolic link/);
    assert.match(await reason('hard.eml'), /2 hard links/);
    assert.match(await reason('fifo.eml'), /not a regular file/);
    for (const bad of ['../outside/a.eml', '..', '.', '']) assert.match(await reason(bad), /plain file name/);
    // unlinkIfSame removes nothing that is not the file read.
    const other = await stat(join(outside, 'a.eml'));
    assert.equal(await dir.unlinkIfSame('soft.eml', other), false);
    assert.equal(await dir.unlinkIfSame('hard.eml', { dev: other.dev, ino: other.ino + 1 }), false);
    await outsideIntact();
    await symlink(outside, join(root, 'link'));
    await assert.rejects(DirHandle.open(join(root, 'link')), (e) => isUnsafe(e) && /symbolic link/.test(e.reason));
    await assert.rejects(dir.openDir('soft.eml'), (e) => isUnsafe(e) && /symbolic link/.test(e.reason));
  } finally {
    await dir.close();
    for (const f of ['soft.eml', 'hard.eml', 'fifo.eml']) await rm(join(folder, f));
  }
});

test('close waits for operations in flight; afterwards the handle is gone (ENOENT), never a reused descriptor', async () => {
  await writeFile(join(folder, 'b.eml'), 'inside\n');
  const dir = await DirHandle.open(folder);
  let release = () => {};
  const inFlight = dir.use(async (at) => {
    await new Promise<void>((r) => (release = r));
    return readFile(at('b.eml'), 'utf8');
  });
  let closed = false;
  const closing = dir.close().then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(closed, false, 'still in use');
  release();
  assert.equal(await inFlight, 'inside\n');
  await closing;
  await assert.rejects(dir.list(), (e) => (e as NodeJS.ErrnoException).code === 'ENOENT');
});

test('watch reports entries of the directory, wherever its path now points', async () => {
  const dir = await DirHandle.open(folder);
  try {
    const seen: (string | null)[] = [];
    await dir.watch(
      (name) => seen.push(name),
      () => {},
    );
    await rename(folder, join(root, 'spam.real'));
    await symlink(outside, folder);
    await writeFile(join(outside, 'out.eml'), 'x');
    await writeFile(join(root, 'spam.real', 'in.eml'), 'x');
    for (let i = 0; i < 50 && !seen.includes('in.eml'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(seen.includes('in.eml'));
    assert.ok(!seen.includes('out.eml'));
  } finally {
    await dir.close();
    await rm(folder);
    await rm(join(outside, 'out.eml'));
    await rm(join(root, 'spam.real', 'in.eml'));
    await rename(join(root, 'spam.real'), folder);
  }
});
