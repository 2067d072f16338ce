import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown, link, lstat, lutimes, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
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
  // failed/ as an earlier version left it (amavis's, which parses hostile mail), with a link planted in it: it is handed
  // to spamd-learn at start without following the link, and the link is replaced, never written through.
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
  if (process.getuid?.() === 0) assert.equal((await lstat(failed)).uid, (await lookupUser('spamd-learn')).uid, 'handed to spamd-learn');
  const files = (await readdir(failed)).sort();
  assert.deepEqual(files, ['spam-evil_X-Forged: yes_.eml', 'spam-evil_X-Forged: yes_.eml.reason']);
  const reasonFile = join(failed, 'spam-evil_X-Forged: yes_.eml.reason');
  assert.equal((await lstat(reasonFile)).isSymbolicLink(), false);
  const reason = await readFile(reasonFile, 'utf8');
  assert.equal(reason.split('\n').length, 2, 'one line');
  assert.match(reason, /spam "evil\\nX-Forged: yes\\u0001\.eml": /);
  await eventually(async () => (await bayesCounts(mtaPaths(root).bayes)).nspam === 1, 15_000, 'the good file learned');
});

// The ids a running process holds, from /proc (independent of what it logs).
function credentials(pid: number): { uids: number[]; gid: number; groups: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    (new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
  return { uids: field('Uid'), gid: field('Gid')[0] as number, groups: field('Groups') };
}

test("kopano sets amavis's group on spam/: spamd-learn does not take it, cannot read a DKIM key, and learns through its own group", async () => {
  const root = await scope.dir('mta-spamd-attack-');
  const lib = await makeLib(root);
  const amavis = await lookupUser('amavis');
  const reader = await lookupUser('spamd-learn');
  // kopano (root in its own container) gives its folder a group number that is amavis's here.
  await chown(join(lib, 'spam'), KOPANO.uid, amavis.gid);
  await drop(lib, 'spam', 'OLD.eml', message('spam', 1));
  // A DKIM key as the image keeps them.
  const keyDir = join(root, 'var/db/dkim');
  await mkdir(join(root, 'var/db'), { recursive: true, mode: 0o755 });
  await mkdir(keyDir, { mode: 0o750 });
  await chown(keyDir, amavis.uid, amavis.gid);
  const key = join(keyDir, 'example.test.default.privkey.pem');
  await writeFile(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', { mode: 0o640 });
  await chown(key, 0, amavis.gid);

  // The image's own group (no KOPANO_SPAMD_GID).
  const learner = startLearner(root, lib, { ...NO_BUS, KOPANO_SPAMD_GID: '' });
  scope.defer(() => learner.stop());
  await eventually(() => logLines(learner).some((l) => l.event === 'spamd.ready'), 20_000, 'learner ready');
  const pid = learner.proc.pid as number;
  const ids = credentials(pid);
  assert.deepEqual(ids.uids, [reader.uid, reader.uid, reader.uid, reader.uid], 'the reader, for good');
  assert.equal(ids.gid, reader.gid);
  assert.deepEqual(
    ids.groups.filter((g) => g !== reader.gid),
    [],
    'no supplementary group: not amavis, not kopano',
  );
  // What those ids may do with the key: nothing (the same check the kernel makes, run with exactly those ids).
  const asReader = ['--reuid', String(reader.uid), '--regid', String(reader.gid), '--clear-groups'];
  assert.throws(() => execFileSync('setpriv', [...asReader, 'cat', key], { stdio: 'pipe' }), /Permission denied/);
  // The folder now has the image's group with setgid; the file kopano left is learned through it.
  const st = await lstat(join(lib, 'spam'));
  assert.equal(st.gid, reader.gid);
  assert.equal(st.mode & 0o7070, 0o2070);
  assert.equal(st.uid, KOPANO.uid, 'kopano still owns it');
  await writeFile(join(lib, 'spam', 'NEW.eml'), message('spam', 2), { mode: 0o640 });
  await chown(join(lib, 'spam', 'NEW.eml'), KOPANO.uid, (await lstat(join(lib, 'spam', 'NEW.eml'))).gid);
  await eventually(async () => (await countFiles(join(lib, 'spam'))) === 0, 30_000, 'both files learned');
  await eventually(async () => (await bayesCounts(mtaPaths(root).bayes)).nspam === 2, 15_000, 'nspam 2');
  assert.equal(await readFile(key, 'utf8'), '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
});

test('KOPANO_SPAMD_GID naming a group of this image is refused before anything is read', async () => {
  const root = await scope.dir('mta-spamd-attack-');
  const lib = await makeLib(root);
  const amavis = await lookupUser('amavis');
  await drop(lib, 'spam', 'S.eml', message('spam', 1));
  const learner = startLearner(root, lib, { ...NO_BUS, KOPANO_SPAMD_GID: String(amavis.gid) });
  scope.defer(() => learner.stop());
  await eventually(() => learner.proc.exitCode !== null, 20_000, 'learner exits');
  const fatal = logLines(learner).find((l) => l.event === 'spamd.fatal');
  assert.match(String(fatal?.err), new RegExp(`KOPANO_SPAMD_GID=${amavis.gid} is a group of this image \\(group amavis`));
  assert.deepEqual(await readdir(join(lib, 'spam')), ['S.eml']);
});

test('a parent of KOPANO_SPAMD_LIB that kopano owns is refused (it could swap the lib itself), naming the directory', async () => {
  const root = await scope.dir('mta-spamd-attack-');
  const lib = await makeLib(root);
  await chown(join(root, 'kopano'), KOPANO.uid, KOPANO.gid);
  const learner = startLearner(root, lib, NO_BUS);
  scope.defer(() => learner.stop());
  await eventually(() => learner.proc.exitCode !== null, 20_000, 'learner exits');
  const fatal = logLines(learner).find((l) => l.event === 'spamd.fatal');
  assert.match(String(fatal?.err), new RegExp(`KOPANO_SPAMD_LIB=${lib}: ${join(root, 'kopano')}: it belongs to uid ${KOPANO.uid}`));
});

test('spam/ replaced by another real directory: spamd-learn stops to be started again (it prepares folders as root)', async () => {
  const root = await scope.dir('mta-spamd-attack-');
  const lib = await makeLib(root);
  const learner = startLearner(root, lib, NO_BUS);
  scope.defer(() => learner.stop());
  await eventually(() => logLines(learner).some((l) => l.event === 'spamd.ready'), 20_000, 'learner ready');
  await rename(join(lib, 'spam'), join(lib, 'spam.old'));
  await mkdir(join(lib, 'spam'));
  await eventually(() => learner.proc.exitCode !== null, 20_000, 'learner exits');
  assert.equal(learner.proc.exitCode, 0);
  assert.ok(logLines(learner).some((l) => l.event === 'spamd.replaced' && l.kind === 'spam'));
});
