import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { lookupUser, type SystemUser } from '@mta/shared';
import { EnvironmentFailure } from './bisect.ts';
import { ensureBayesDir } from './dirs.ts';
import { SaRunner } from './runner.ts';
import { judge } from './sa-learn.ts';

// The amavis side with the real sa-learn: it learns the copies of a batch and refuses every request that would make
// it read anything else, whoever writes the requests.
const asRoot = { skip: process.getuid?.() !== 0 && 'needs root (starts the runner as amavis)' };
let root = '';
let staging = '';
let dbPath = '';
let amavis: SystemUser;
let runner: SaRunner;
const abort = new AbortController();

before(async () => {
  if (process.getuid?.() !== 0) return;
  root = await mkdtemp(join(tmpdir(), 'mta-runner-'));
  await chmod(root, 0o755);
  amavis = await lookupUser('amavis');
  staging = join(root, 'staging');
  await mkdir(staging);
  await chown(staging, 0, amavis.gid);
  await chmod(staging, 0o2750);
  dbPath = join(root, 'amavis/.spamassassin/bayes');
  await ensureBayesDir(dbPath, amavis);
  runner = SaRunner.start({ user: amavis, stagingRoot: staging, dbPath, home: join(root, 'amavis'), signal: abort.signal });
});
after(async () => {
  runner?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const msg = (i: number) =>
  `From: s${i}@spam.example\nTo: u@mail.example\nSubject: offer ${i}\nDate: Wed, 25 Nov 2026 10:${String(i).padStart(2, '0')}:00 +0000\n\nwinner lottery ${i} prize${i * 7}\n`;

async function batch(name: string, n: number, body = ''): Promise<string[]> {
  const dir = join(staging, name);
  await mkdir(dir, { mode: 0o750 });
  const files = [];
  for (let i = 0; i < n; i++) {
    const f = join(dir, `${i}.eml`);
    await writeFile(f, `${msg(i)}${body}`, { mode: 0o640 });
    files.push(f);
  }
  return files;
}

const nspam = () =>
  Number(
    /(\d+)\s+\d+\s+non-token data: nspam$/m.exec(
      execFileSync(
        'setpriv',
        ['--reuid=amavis', '--regid=amavis', '--clear-groups', 'sa-learn', '--local', '--dbpath', dbPath, '--dump', 'magic'],
        {
          env: { ...process.env, HOME: '/nonexistent' },
        },
      ).toString(),
    )?.[1],
  );

test('learns the copies of one batch, then merges the journal', asRoot, async () => {
  const files = await batch('batch-good01', 3);
  assert.equal(judge(await runner.learn('spam', files), 3), undefined);
  assert.equal(judge(await runner.sync()), undefined);
  assert.equal(nspam(), 3);
});

test('refuses anything but copies of a batch in its staging root (exit 64), and learns nothing', asRoot, async () => {
  const files = await batch('batch-bad001', 1);
  const outside = join(root, 'outside.eml');
  await writeFile(outside, msg(50), { mode: 0o644 });
  await symlink(outside, join(staging, 'batch-bad001', '1.eml'));
  await symlink(join(staging, 'batch-bad001'), join(staging, 'batch-linked'));
  const write = (line: string) =>
    (runner as unknown as { request: (l: string) => Promise<{ exitCode: number; stderr: string }> }).request(line);
  for (const [line, why] of [
    ['learn spam 0 batch-bad001 1', 'copies'],
    ['learn spam 0 batch-bad001 0 1', 'copies'],
    ['learn spam 0 batch-linked 0', 'batch'],
    ['learn spam 0 ../outside 0', 'batch'],
    ['learn spam 0 batch-../../x 0', 'batch'],
    ['learn spam 0 batch-bad001 ../../outside', 'copies'],
    ['learn spam 0 batch-bad001', 'copies'],
    ['learn forget 0 batch-bad001 0', 'kind'],
    ['learn spam 1e9 batch-bad001 0', 'size'],
    ['dump data', 'request'],
  ] as const) {
    const r = await write(line);
    assert.equal(r.exitCode, 64, line);
    assert.equal(r.stderr.trim(), `refused: ${why}`, line);
  }
  assert.throws(() => runner.learn('spam', [outside]), /not a staged copy/);
  assert.throws(() => runner.learn('spam', [...files, join(root, 'other/0.eml')]), /not a staged copy/);
  assert.equal(judge(await runner.sync()), undefined);
  assert.equal(nspam(), 3, 'nothing more was learned');
});

test('learnsync merges what the journal holds, then learns into the DB, in one run', asRoot, async () => {
  const before = nspam();
  assert.equal(judge(await runner.learn('spam', await batch('batch-journal1', 2, 'journaled')), 2), undefined);
  assert.equal(nspam(), before, 'journaled, not in the DB yet');
  assert.equal(judge(await runner.learn('spam', await batch('batch-direct01', 1, 'direct'), undefined, true), 1), undefined);
  assert.equal(nspam(), before + 3, 'the journal merged and the batch learned, without a sync');
});

test('once the sidecar stops (abort), the request in flight and later ones fail as an environment failure', asRoot, async () => {
  const files = await batch('batch-late01', 2);
  const pending = runner.learn('ham', files);
  abort.abort();
  await assert.rejects(pending, (e) => e instanceof EnvironmentFailure && e.reason === 'stopping');
  await assert.rejects(runner.sync(), (e) => e instanceof EnvironmentFailure);
});

// sa-learn processes whose command line mentions text (it names the copies it learns).
const running = (text: string) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
        return cmd.includes('sa-learn\0') && cmd.includes(text);
      } catch {
        return false;
      }
    });

test('the runner and its sa-learn end soon after the process that started them left root and exited', asRoot, async () => {
  // Long enough that sa-learn is still at it when its parent goes: large messages full of distinct words.
  const words = Array.from({ length: 30_000 }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36)}`).join(' ');
  const files = await batch('batch-orphan', 150, `${words}\n`);
  const opts = { user: amavis, stagingRoot: staging, dbPath, home: join(root, 'amavis') };
  // A stand-in for spamd-learn: starts the runner as root, leaves root, asks for a long learn, exits when told to.
  const code = `
    const { SaRunner } = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'runner.ts')).href)});
    const r = SaRunner.start(${JSON.stringify(opts)});
    process.setgroups([]); process.setgid(65534); process.setuid(65534);
    r.learn('spam', ${JSON.stringify(files)}).catch(() => {});
    process.stdin.on('end', () => process.exit(0)).resume();`;
  const parent = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  const exited = new Promise((r) => parent.on('exit', r));
  for (let i = 0; i < 100 && running('batch-orphan').length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(running('batch-orphan').length > 0, 'sa-learn runs');
  parent.stdin.end();
  await exited;
  // sa-learn needs far longer for these; the runner notices within a second that its parent is gone.
  for (let i = 0; i < 40 && running('batch-orphan').length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(running('batch-orphan'), [], 'no sa-learn left behind');
});
