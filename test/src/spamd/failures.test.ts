import assert from 'node:assert/strict';
import { chmod, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import { eventually, fileScope, tempRoot } from '../harness/index.ts';
import { message } from './corpus.ts';
import { bayesCounts, countFiles, drop, failedDir, logLines, makeLib, startLearner } from './learner.ts';

const cleanups = fileScope();

test('an unparsable file goes to failed/ with its reason, the rest of its batch is learned, temp names are left alone', async () => {
  const { dir: root, cleanup } = await tempRoot('mta-spamd-');
  cleanups.defer(cleanup);
  const lib = await makeLib(root);
  for (let i = 0; i < 20; i++) await drop(lib, 'spam', `S${i}.eml`, message('spam', i));
  await drop(lib, 'spam', 'broken.eml', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0x08, 0xff, 0xfe]));
  await drop(lib, 'spam', 'empty.eml', '');
  await drop(lib, 'spam', '.kopano-partial.eml', message('spam', 99));
  await drop(lib, 'spam', 'being-written.eml.tmp', message('spam', 98));
  const learner = startLearner(root, lib, { NATS_URL: 'nats://127.0.0.1:1', SPAMD_BATCH_MS: '200' });
  cleanups.defer(() => learner.stop());

  await eventually(async () => (await countFiles(failedDir(root))) === 4, 20_000, 'two failures with reasons');
  const failed = (await readdir(failedDir(root))).sort();
  assert.deepEqual(failed, ['spam-broken.eml', 'spam-broken.eml.reason', 'spam-empty.eml', 'spam-empty.eml.reason']);
  assert.match(await readFile(join(failedDir(root), 'spam-broken.eml.reason'), 'utf8'), /binary content/);
  assert.match(await readFile(join(failedDir(root), 'spam-empty.eml.reason'), 'utf8'), /empty file/);
  await eventually(async () => (await bayesCounts(mtaPaths(root).bayes)).nspam === 20, 15_000, 'the 20 good ones learned');
  assert.deepEqual((await readdir(join(lib, 'spam'))).sort(), ['.kopano-partial.eml', 'being-written.eml.tmp']);
  const rejected = logLines(learner).filter((l) => l.event === 'spamd.rejected');
  assert.deepEqual(rejected.map((l) => l.file).sort(), ['broken.eml', 'empty.eml']);
});

test('an unwritable Bayes DB keeps every file (retried with backoff), nothing lands in failed/', async () => {
  const { dir: root, cleanup } = await tempRoot('mta-spamd-');
  cleanups.defer(cleanup);
  const lib = await makeLib(root);
  const learner = startLearner(root, lib, { NATS_URL: 'nats://127.0.0.1:1', SPAMD_BATCH_MS: '200' });
  cleanups.defer(() => learner.stop());
  await eventually(() => logLines(learner).some((l) => l.event === 'spamd.ready'), 15_000, 'ready');
  const dbDir = join(root, 'var/amavis/.spamassassin');
  // A real failure: the amavis user may no longer write the DB directory (sa-learn exits 0 but writes nothing).
  await chmod(dbDir, 0o500);
  for (let i = 0; i < 5; i++) await drop(lib, 'ham', `H${i}.eml`, message('ham', i));
  await eventually(() => logLines(learner).filter((l) => l.event === 'spamd.retry').length >= 2, 20_000, 'two retries');
  assert.equal(await countFiles(join(lib, 'ham')), 5, 'files kept while the DB is unusable');
  assert.equal(await countFiles(failedDir(root)), 0);
  const delays = logLines(learner)
    .filter((l) => l.event === 'spamd.retry')
    .map((l) => l.retryInMs as number);
  assert.ok((delays[1] ?? 0) > (delays[0] ?? 0), `backoff grows: ${delays.join(',')}`);

  await chmod(dbDir, 0o700);
  await eventually(async () => (await countFiles(join(lib, 'ham'))) === 0, 20_000, 'learned after the DB came back');
  await eventually(async () => (await bayesCounts(mtaPaths(root).bayes)).nham === 5, 10_000, 'nham 5');
  assert.equal(await countFiles(failedDir(root)), 0);
});
