import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../program.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function setup() {
  const root = await mkdtemp(join(tmpdir(), 'mta-learn-cli-'));
  await chmod(root, 0o755);
  roots.push(root);
  const out: string[] = [];
  const err: string[] = [];
  const io = { env: { MTA_ROOT: root }, out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  return { root, io, out, err };
}

const msg = (i: number) =>
  `From: s${i}@spam.example\nTo: u@mail.example\nSubject: cheap offer ${i}\nDate: Wed, 25 Nov 2026 10:${String(i).padStart(2, '0')}:00 +0000\n\nwinner lottery ${i} prize${i * 7} claim${i * 13} now\n`;

// Independent of the code under test: the counters amavis's SpamAssassin would read.
const nspam = (root: string) => {
  const out = execFileSync(
    'setpriv',
    [
      '--reuid=amavis',
      '--regid=amavis',
      '--clear-groups',
      'sa-learn',
      '--local',
      '--dbpath',
      join(root, 'var/amavis/.spamassassin/bayes'),
      '--dump',
      'magic',
    ],
    { env: { ...process.env, HOME: '/nonexistent' } },
  ).toString();
  return Number(/(\d+)\s+\d+\s+non-token data: nspam$/m.exec(out)?.[1]);
};

test('mta learn spam <files…>: learned as amavis into the DB amavis reads, files kept, bad file reported', async () => {
  const { root, io, out, err } = await setup();
  const files = [];
  for (let i = 0; i < 3; i++) {
    files.push(join(root, `m${i}.eml`));
    await writeFile(files[i] as string, msg(i), { mode: 0o600 });
  }
  await writeFile(join(root, 'junk.bin'), Buffer.from([0, 1, 2, 3]));
  const code = await runCli(['learn', 'spam', ...files, join(root, 'junk.bin')], io);
  assert.equal(code, 1, 'a bad file makes the exit code 1');
  assert.match(out.join('\n'), /learned 3 of 4 file\(s\) as spam/);
  assert.match(err.join('\n'), /junk\.bin: binary content/);
  assert.equal(nspam(root), 3);
  assert.deepEqual((await readdir(root)).filter((f) => f.endsWith('.eml')).length, 3, "the operator's files stay");
});

test('mta learn with a wrong kind exits 2 and learns nothing', async () => {
  const { io, err } = await setup();
  assert.equal(await runCli(['learn', 'spammy', '/etc/hostname'], io), 2);
  assert.match(err.join('\n'), /spam or ham/);
});
