import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DirHandle } from '@mta/shared';
import { FolderWatch } from './watch.ts';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'mta-folderwatch-'));
});
after(() => rm(root, { recursive: true, force: true }));

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(cond(), what);
};

test('entries are reported once stable, again after a change, and as gone; temp names and directories are not', async () => {
  const folder = join(root, 'spam');
  await mkdir(folder);
  await writeFile(join(folder, 'early.eml'), 'x');
  const dir = await DirHandle.open(folder);
  const files: string[] = [];
  const gone: string[] = [];
  const w = new FolderWatch(dir, {
    stabilityMs: 150,
    onFile: (name) => files.push(name),
    onGone: (name) => gone.push(name),
    onError: (e) => assert.fail(String(e)),
  });
  try {
    await w.start();
    await until(() => files.includes('early.eml'), 'a file there at start');
    await writeFile(join(folder, '.part.tmp'), 'x');
    await mkdir(join(folder, 'sub'));
    await writeFile(join(folder, 'a.eml'), 'x');
    const written = Date.now();
    await until(() => files.includes('a.eml'), 'a new file');
    assert.ok(Date.now() - written >= 150, 'not before it was stable');
    await appendFile(join(folder, 'a.eml'), 'more');
    await until(() => files.filter((f) => f === 'a.eml').length === 2, 'reported again after a change');
    await unlink(join(folder, 'a.eml'));
    await until(() => gone.includes('a.eml'), 'gone');
    // The folder renamed away and a link put in its place: its own entries are still what is watched.
    await rename(folder, join(root, 'spam.real'));
    await mkdir(join(root, 'other'));
    await symlink(join(root, 'other'), folder);
    await writeFile(join(root, 'other', 'outside.eml'), 'x');
    await writeFile(join(root, 'spam.real', 'inside.eml'), 'x');
    await until(() => files.includes('inside.eml'), 'an entry of the real folder');
    await w.idle();
    assert.deepEqual(
      files.filter((f) => !['a.eml'].includes(f)),
      ['early.eml', 'inside.eml'],
    );
  } finally {
    await w.close();
    await dir.close();
  }
});
