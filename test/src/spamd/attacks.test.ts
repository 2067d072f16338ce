import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chown, link, lstat, lutimes, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { lookupUser, mtaPaths } from '@mta/shared';
import { eventually, fileScope } from '../harness/index.ts';
import { message } from './corpus.ts';
import { bayesCounts, countFiles, drop, failedDir, KOPANO, logLines, makeLib, startLearner } from './learner.ts';

const scope = fileScope();
const NO_BUS = { NATS_URL: 'nats://127.0.0.1:1', SPAMD_BATCH_MS: '200' };

// What kopano (or anyone who can write the drop folders) can plant, against stand-in targets outside them: nothing
// there may be read (learned), changed or deleted, each refusal is logged once, and the real files are still learned.
test('a linked spam/ folder, linked, hard-linked and FIFO entries in ham/: refused once each, targets untouched, the rest learned', async () => {
  const root = await scope.dir('mta-spamd-attack-');
  const lib = await makeLib(root);
  const outside = join(root, 'outside');
  await mkdir(join(outside, 'msgs'), { recursive: true, mode: 0o777 });
  for (let i = 0; i < 3; i++) await writeFile(join(outside, 'msgs', `O${i}.eml`), message('spam', 100 + i), { mode: 0o666 });
  await writeFile(join(outside, 'target.eml'), message('ham', 100), { mode: 0o666 });
  await writeFile(join(outside, 'hard.eml'), message('ham', 101), { mode: 0o666 });
  if (process.getuid?.() === 0) await chown(join(outside, 'hard.eml'), KOPANO.uid, KOPANO.gid);
  await rm(join(lib, 'spam'), { recursive: true });
  await symlink(join(outside, 'msgs'), join(lib, 'spam'));
  await symlink(join(outside, 'target.eml'), join(lib, 'ham', 'link.eml'));
  await link(join(outside, 'hard.eml'), join(lib, 'ham', 'hard.eml'));
  execFileSync('mkfifo', [join(lib, 'ham', 'fifo.eml')]);
  for (let i = 0; i < 3; i++) await drop(lib, 'ham', `H${i}.eml`, message('ham', i));
  const before = await Promise.all(
    ['msgs/O0.eml', 'msgs/O1.eml', 'msgs/O2.eml', 'target.eml', 'hard.eml'].map((f) => readFile(join(outside, f), 'utf8')),
  );

  const learner = startLearner(root, lib, NO_BUS);
  scope.defer(() => learner.stop());
  await eventually(async () => (await readdir(join(lib, 'ham'))).every((f) => !/^H\d/.test(f)), 30_000, 'the real ham files learned');
  // Touch the planted entries: new events must not log them again.
  for (const f of ['link.eml', 'hard.eml']) await lutimes(join(lib, 'ham', f), new Date(), new Date());
  await new Promise((r) => setTimeout(r, 1500));

  const after = await Promise.all(
    ['msgs/O0.eml', 'msgs/O1.eml', 'msgs/O2.eml', 'target.eml', 'hard.eml'].map((f) => readFile(join(outside, f), 'utf8')),
  );
  assert.deepEqual(after, before, 'nothing outside changed or deleted');
  assert.deepEqual((await readdir(join(lib, 'ham'))).sort(), ['fifo.eml', 'hard.eml', 'link.eml'], 'planted entries left alone');
  assert.deepEqual(await bayesCounts(mtaPaths(root).bayes), { nspam: 0, nham: 3 }, 'nothing outside was read into the DB');
  const refused = logLines(learner).filter((l) => l.event === 'fs.refused');
  assert.deepEqual(refused.map((l) => `${String(l.path).slice(lib.length + 1)}: ${l.reason}`).sort(), [
    'ham/fifo.eml: it is not a regular file',
    'ham/hard.eml: it has 2 hard links',
    'ham/link.eml: it is a symbolic link',
    'spam: it is a symbolic link',
  ]);
  assert.equal(await countFiles(failedDir(root)), 0);
});

test('a link planted where a failure reason goes, and file names with newlines and control characters', async () => {
  const root = await scope.dir('mta-spamd-attack-');
  const lib = await makeLib(root);
  const precious = join(root, 'precious');
  await writeFile(precious, 'precious\n', { mode: 0o666 });
  const failed = failedDir(root);
  await mkdir(failed, { recursive: true });
  const amavis = await lookupUser('amavis');
  if (process.getuid?.() === 0) await chown(failed, amavis.uid, amavis.gid);
  const evil = 'evil\nX-Forged: yes\x01.eml';
  await symlink(precious, join(failed, 'spam-evil_X-Forged: yes_.eml.reason'));
  await drop(lib, 'spam', evil, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0x08, 0xff, 0xfe]));
  await drop(lib, 'spam', 'good.eml', message('spam', 1));

  const learner = startLearner(root, lib, NO_BUS);
  scope.defer(() => learner.stop());
  await eventually(async () => (await countFiles(join(lib, 'spam'))) === 0, 30_000, 'spam folder consumed');
  assert.equal(await readFile(precious, 'utf8'), 'precious\n', 'the link target was not written');
  const files = (await readdir(failed)).sort();
  assert.deepEqual(files, ['spam-evil_X-Forged: yes_.eml', 'spam-evil_X-Forged: yes_.eml.reason']);
  const reasonFile = join(failed, 'spam-evil_X-Forged: yes_.eml.reason');
  assert.equal((await lstat(reasonFile)).isSymbolicLink(), false);
  const reason = await readFile(reasonFile, 'utf8');
  assert.equal(reason.split('\n').length, 2, 'one line');
  assert.match(reason, /spam "evil\\nX-Forged: yes\\u0001\.eml": /);
  await eventually(async () => (await bayesCounts(mtaPaths(root).bayes)).nspam === 1, 15_000, 'the good file learned');
});
