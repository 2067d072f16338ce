import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { tempTree } from '../temp-tree.test-helper.ts';
import { fileDigest, sameContent } from './open.ts';
import { stageAtomic, syncDirs, writeAtomic, writeIfChanged } from './write.ts';

const dir = tempTree('mta-files-');

test('writeAtomic writes content with the requested mode and leaves no temp file', async () => {
  const p = join(dir, 'secret.txt');
  await writeAtomic(p, 'a', { mode: 0o600 });
  assert.equal(await readFile(p, 'utf8'), 'a');
  assert.equal((await stat(p)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(dir), ['secret.txt']);
});

test('writeIfChanged keeps the mtime when content is equal and fixes a drifted mode', async () => {
  const p = join(dir, 'same.txt');
  await writeFile(p, 'x', { mode: 0o666 });
  const old = new Date('2020-01-01');
  await utimes(p, old, old);
  assert.equal(await writeIfChanged(p, 'x', { mode: 0o640 }), false);
  const st = await stat(p);
  assert.equal(st.mtime.getTime(), old.getTime());
  assert.equal(st.mode & 0o777, 0o640);
  assert.equal(await writeIfChanged(p, 'y', { mode: 0o640 }), true);
  assert.equal(await readFile(p, 'utf8'), 'y');
});

test('writeAtomic into a missing directory fails with E_IO naming the path', async () => {
  await assert.rejects(writeAtomic(join(dir, 'no/such/file'), 'x'), (e: Error & { code: string }) => {
    assert.equal(e.code, 'E_IO');
    assert.match(e.message, /no\/such\/file/);
    return true;
  });
});

test('a batch writes with syncDir: false, then syncs each directory once', async () => {
  const probe = await open(dir, 'r');
  const sync = mock.method(Object.getPrototypeOf(probe), 'sync');
  await probe.close();
  try {
    await writeAtomic(join(dir, 'one'), '1');
    assert.equal(sync.mock.callCount(), 2, 'the file and its directory');
    sync.mock.resetCalls();
    await mkdir(join(dir, 'sub'));
    const batch = [join(dir, 'a'), join(dir, 'b'), join(dir, 'sub/c')];
    for (const p of batch) await writeIfChanged(p, 'x', { syncDir: false });
    assert.equal(sync.mock.callCount(), 3, 'only the files');
    await syncDirs(batch);
    assert.equal(sync.mock.callCount(), 5, 'then each of the two directories once');
  } finally {
    sync.mock.restore();
  }
});

test('a file compared and digested a block at a time; a text written in pieces; a link is never read through', async () => {
  const p = join(dir, 'big.txt');
  const pieces = Array.from({ length: 40_000 }, (_, i) => `line ${i}\n`);
  await writeAtomic(p, pieces, { mode: 0o600 });
  const want = Buffer.from(pieces.join(''));
  assert.ok(want.length > 256 * 1024, 'more than one block');
  assert.deepEqual(await readFile(p), want);
  assert.equal(await sameContent(p, want), true);
  assert.equal(await sameContent(p, want.subarray(0, want.length - 1)), false);
  const changed = Buffer.from(want);
  changed[want.length - 2] = 0x41;
  assert.equal(await sameContent(p, changed), false);
  assert.equal(await sameContent(join(dir, 'missing'), want), false);
  assert.equal(await fileDigest(p), createHash('sha256').update(want).digest('hex'));
  assert.equal(await fileDigest(join(dir, 'missing')), undefined);
  await symlink(p, join(dir, 'link.txt'));
  await assert.rejects(sameContent(join(dir, 'link.txt'), want));
  await assert.rejects(fileDigest(join(dir, 'link.txt')));
});

test('stageAtomic: the data durable under a temp name, in place only on commit, gone on discard', async () => {
  const p = join(dir, 'staged.txt');
  await writeFile(p, 'old');
  const kept = await stageAtomic(p, ['new ', 'text'], { mode: 0o600 });
  assert.ok(kept);
  assert.equal(await readFile(p, 'utf8'), 'old', 'not in place before commit');
  assert.equal((await readdir(dir)).filter((n) => n.startsWith('.staged.txt.mta-tmp-')).length, 1);
  await kept.commit();
  assert.equal(await readFile(p, 'utf8'), 'new text');
  assert.equal((await stat(p)).mode & 0o777, 0o600);
  const dropped = await stageAtomic(p, 'other');
  await dropped?.discard();
  assert.equal(await readFile(p, 'utf8'), 'new text');
  assert.equal(await stageAtomic(p, 'same', { keepIf: () => false }), undefined);
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.includes('staged')),
    ['staged.txt'],
    'no temp left behind',
  );
});
