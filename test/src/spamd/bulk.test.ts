import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Bus, mtaPaths } from '@mta/shared';
import { eventually, fileScope, startNats, tempRoot } from '../harness/index.ts';
import { message } from './corpus.ts';
import { bayesCounts, countFiles, drop, logLines, makeLib, startLearner } from './learner.ts';

const cleanups = fileScope();

test('300 spam + 300 ham: batched into the DB amavis reads, owned by amavis, folders end empty', async () => {
  const { dir: root, cleanup } = await tempRoot('mta-spamd-');
  cleanups.defer(cleanup);
  const lib = await makeLib(root);
  const nats = cleanups.keep(await startNats());
  const sub = Bus.start({ servers: [nats.url], name: 'spamd-test-sub', node: 't' });
  cleanups.defer(() => sub.close());
  const events: Record<string, unknown>[] = [];
  sub.subscribe('mta.spamd.>', (d, subject) => events.push({ ...d, subject }));
  await sub.connection();

  // A third of the files is there before the sidecar starts, the rest arrives while it runs.
  for (let i = 0; i < 100; i++) {
    await drop(lib, 'spam', `S${i}.eml`, message('spam', i));
    await drop(lib, 'ham', `H${i}.eml`, message('ham', i));
  }
  const learner = startLearner(root, lib, { NATS_URL: nats.url, SPAMD_BATCH_MS: '500', SPAMD_BATCH_MAX: '200' });
  cleanups.defer(() => learner.stop());
  for (let i = 100; i < 300; i++) {
    await drop(lib, 'spam', `S${i}.eml`, message('spam', i));
    await drop(lib, 'ham', `H${i}.eml`, message('ham', i));
  }

  await eventually(async () => (await countFiles(join(lib, 'spam'))) + (await countFiles(join(lib, 'ham'))) === 0, 50_000, 'folders empty');
  const db = mtaPaths(root).bayes;
  const counts = await eventually(
    async () => {
      const c = await bayesCounts(db);
      return c.nspam >= 300 && c.nham >= 300 ? c : undefined;
    },
    15_000,
    'counts after the idle sync',
  );
  assert.deepEqual(counts, { nspam: 300, nham: 300 });

  // The DB files belong to amavis, so amavis can keep using (and expiring) them.
  const amavisUid = statSync('/var/lib/amavis').uid;
  for (const f of await readdir(join(root, 'var/amavis/.spamassassin')))
    assert.equal(statSync(join(root, 'var/amavis/.spamassassin', f)).uid, amavisUid, `${f} owned by amavis`);

  // One log line per batch, not per file: 600 files in a handful of sa-learn runs.
  const batches = logLines(learner).filter((l) => l.event === 'spamd.learned');
  const learned = (kind: string) => batches.filter((b) => b.kind === kind).reduce((n, b) => n + (b.count as number), 0);
  assert.equal(learned('spam'), 300);
  assert.equal(learned('ham'), 300);
  assert.ok(batches.length <= 12, `${batches.length} batches for 600 files`);
  assert.ok(
    batches.every((b) => (b.count as number) <= 200),
    'SPAMD_BATCH_MAX respected',
  );

  const ev = await eventually(() => {
    const got = events.filter((e) => e.subject === 'mta.spamd.learned');
    return got.reduce((n, e) => n + (e.count as number), 0) === 600 ? got : undefined;
  }, 5000);
  for (const e of ev) {
    assert.ok(e.kind === 'spam' || e.kind === 'ham');
    assert.equal(typeof e.durationMs, 'number');
    assert.equal(e.node, 'spamd-test');
  }
  assert.equal(events.filter((e) => e.subject === 'mta.spamd.failed').length, 0);
});
