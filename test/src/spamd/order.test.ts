import assert from 'node:assert/strict';
import { open, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { mtaPaths } from '@mta/shared';
import { type Daemon, eventually, fileScope } from '../harness/index.ts';
import { message } from './corpus.ts';
import { bayesCounts, countFiles, drop, KOPANO, logLines, makeLib, startLearner } from './learner.ts';

const cleanups = fileScope();

let root: string;
let lib: string;
let learner: Daemon;
const empty = async () => (await countFiles(join(lib, 'spam'))) + (await countFiles(join(lib, 'ham'))) === 0;
const learnedLines = () => logLines(learner).filter((l) => l.event === 'spamd.learned');

before(async () => {
  root = await cleanups.dir('mta-spamd-');
  lib = await makeLib(root);
  // Present at start: the same message in both folders, the ham copy newer (the user's last word).
  const both = message('spam', 1, 'both');
  await drop(lib, 'spam', 'BOTH.eml', both);
  await drop(lib, 'ham', 'BOTH.eml', both);
  await utimes(join(lib, 'spam', 'BOTH.eml'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  learner = startLearner(root, lib, { NATS_URL: 'nats://127.0.0.1:1', SPAMD_BATCH_MS: '200' });
  cleanups.defer(() => learner.stop());
});

test('a message in both folders at start ends as ham', async () => {
  await eventually(empty, 20_000, 'both copies consumed');
  assert.deepEqual(
    await eventually(async () => {
      const c = await bayesCounts(mtaPaths(root).bayes);
      return c.nham === 1 ? c : undefined;
    }, 10_000),
    { nspam: 0, nham: 1 },
  );
});

test('learned as spam, then moved to ham by the user: re-learned as ham (counts move from nspam to nham)', async () => {
  await eventually(empty, 20_000, 'earlier files consumed');
  const before = await eventually(async () => {
    const c = await bayesCounts(mtaPaths(root).bayes);
    return c.nspam + c.nham > 0 ? c : undefined;
  }, 10_000);
  const msg = message('spam', 2, 'moved');
  await drop(lib, 'spam', 'MOVED.eml', msg);
  await eventually(async () => (await bayesCounts(mtaPaths(root).bayes)).nspam === before.nspam + 1, 20_000, 'learned as spam');
  await drop(lib, 'ham', 'MOVED.eml', msg);
  await eventually(empty, 20_000, 'ham copy consumed');
  const after = await eventually(async () => {
    const c = await bayesCounts(mtaPaths(root).bayes);
    return c.nham === before.nham + 1 ? c : undefined;
  }, 10_000);
  assert.deepEqual(after, { nspam: before.nspam, nham: before.nham + 1 });
});

test('a file written slowly in chunks is learned once, after its last chunk', async () => {
  const lines = message('spam', 3, 'slow').split('\n');
  const fh = await open(join(lib, 'spam', 'SLOW.eml'), 'w', 0o660);
  if (process.getuid?.() === 0) await fh.chown(KOPANO.uid, KOPANO.gid);
  const chunk = Math.ceil(lines.length / 6);
  for (let i = 0; i < lines.length; i += chunk) {
    await fh.write(`${lines.slice(i, i + chunk).join('\n')}\n`);
    await fh.sync();
    await new Promise((r) => setTimeout(r, 400));
  }
  const lastChunkAt = Date.now();
  await fh.close();
  const seen = learnedLines().length;
  await eventually(empty, 20_000, 'slow file consumed');
  // The batch's log line may be written a moment after the folder empties.
  await eventually(() => learnedLines().length > seen, 10_000, 'batch log line');
  const mine = learnedLines().slice(seen);
  assert.equal(mine.length, 1, 'one batch');
  assert.equal(mine[0]?.count, 1);
  const batchStart = Date.parse(mine[0]?.time as string) - (mine[0]?.durationMs as number);
  assert.ok(batchStart >= lastChunkAt, 'read only after the write finished');
});
