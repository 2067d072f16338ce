import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DirHandle, lookupUser, mtaPaths } from '@mta/shared';
import { eventually, fileScope } from '../harness/index.ts';
import { message } from './corpus.ts';
import { bayesCounts, countFiles, drop, failedDir, KOPANO, logLines, makeLib, startLearner } from './learner.ts';

const scope = fileScope();
const N = 40;
const ROUNDS = 20_000;

// kopano (a separate uid, as in its own container) swaps spam/ and ham/ for links as fast as it can, in a loop
// bounded in rounds (and by timeout) that ends early when the stop file appears: each round renames a folder away,
// puts a link in its place, and puts the folder back.
const ATTACKER = `cd "$1" || exit 1
i=0
while [ "$i" -lt "$4" ] && [ ! -e "$5" ]; do
  mv -T spam spam.real && ln -s "$2" spam && mv -T ham ham.real && ln -s "$3" ham
  rm -f spam ham && mv -T spam.real spam && mv -T ham.real ham
  mv -T spam spam.real && ln -s "$3" spam && mv -T ham ham.real && ln -s "$2" ham
  rm -f spam ham && mv -T spam.real spam && mv -T ham.real ham
  i=$((i + 1))
done
echo "$i"
`;

// Moves both folders away for good and leaves links to the canaries in their place.
const SWAP = 'cd "$1" && mv -T spam spam.real && ln -s "$2" spam && mv -T ham ham.real && ln -s "$3" ham';

interface Seen {
  data: Buffer;
  ino: number;
  mtimeMs: number;
  mode: number;
  uid: number;
}

// Every file of a canary directory: content, inode, mtime, mode, owner.
async function snapshot(dir: string): Promise<Record<string, Seen>> {
  const out: Record<string, Seen> = {};
  for (const name of (await readdir(dir)).sort()) {
    const st = await lstat(join(dir, name));
    out[name] = { data: await readFile(join(dir, name)), ino: st.ino, mtimeMs: st.mtimeMs, mode: st.mode, uid: st.uid };
  }
  return out;
}

// The targets kopano points its links at: (1) as /var/db/dkim in the image, amavis's directory with keys root:amavis
// 0640, named like the messages; (2) valid messages of the other kind under the same names, that anyone may read and
// delete: only the folder handles keep spamd-learn from learning or removing them.
async function canaries(root: string, all: readonly string[]) {
  const amavis = await lookupUser('amavis');
  const keys = join(root, 'var/db/dkim');
  await mkdir(join(root, 'var/db'), { recursive: true, mode: 0o755 });
  await mkdir(keys, { mode: 0o750 });
  await chown(keys, amavis.uid, amavis.gid);
  for (const name of [...all, 'example.test.default.privkey.pem']) {
    await writeFile(join(keys, name), `-----BEGIN PRIVATE KEY-----\n${name}\n-----END PRIVATE KEY-----\n`, { mode: 0o640 });
    await chown(join(keys, name), 0, amavis.gid);
  }
  const decoy = join(root, 'decoy');
  await mkdir(decoy, { mode: 0o777 });
  await chmod(decoy, 0o777);
  for (const [i, name] of all.entries()) {
    await writeFile(join(decoy, name), message(name.startsWith('S') ? 'ham' : 'spam', 1000 + i, 'decoy'), { mode: 0o666 });
    await chmod(join(decoy, name), 0o666);
  }
  const before = { keys: await snapshot(keys), decoy: await snapshot(decoy) };
  // Nothing there was read (and set aside in failed/), moved or deleted.
  const intact = async () => {
    assert.deepEqual(await snapshot(keys), before.keys, 'the key directory: nothing moved or deleted');
    assert.deepEqual(await snapshot(decoy), before.decoy, 'the decoys: nothing moved or deleted');
    assert.equal(await countFiles(failedDir(root)), 0, 'nothing outside was read and set aside');
  };
  return { keys, decoy, intact };
}

const names = (n: number) => ({ spam: [...Array(n).keys()].map((i) => `S${i}.eml`), ham: [...Array(n).keys()].map((i) => `H${i}.eml`) });

// A lib that kopano owns (it may rename what is in it), and the canaries for n messages of each kind.
async function attackedLib(n: number) {
  const root = await scope.dir('mta-spamd-race-');
  const lib = await makeLib(root);
  await chown(lib, KOPANO.uid, KOPANO.gid);
  const named = names(n);
  return { root, lib, n: named, ...(await canaries(root, [...named.spam, ...named.ham])) };
}

const asRoot = { skip: process.getuid?.() !== 0 && 'needs root (kopano and amavis are other uids)' };

test(
  'spam/ and ham/ swapped for links continuously while messages arrive: nothing outside is read, moved or deleted; all learned',
  asRoot,
  async () => {
    const { root, lib, n, keys, decoy, intact } = await attackedLib(N);

    const learner = startLearner(root, lib, { NATS_URL: 'nats://127.0.0.1:1', SPAMD_STABLE_MS: '200', SPAMD_BATCH_MS: '100' });
    scope.defer(() => learner.stop());
    await eventually(() => logLines(learner).some((l) => l.event === 'spamd.ready'), 20_000, 'learner ready');

    // kopano's writer keeps handles on its real folders, so its own files land there whatever the attacker's
    // swap shows at that moment.
    const real = { spam: await DirHandle.open(join(lib, 'spam')), ham: await DirHandle.open(join(lib, 'ham')) };
    scope.defer(async () => {
      await real.spam.close();
      await real.ham.close();
    });
    const stop = join(root, 'stop');
    const attacker = spawn(
      'setpriv',
      [
        `--reuid=${KOPANO.uid}`,
        `--regid=${KOPANO.gid}`,
        '--clear-groups',
        'timeout',
        '180',
        'sh',
        '-c',
        ATTACKER,
        'attacker',
        lib,
        keys,
        decoy,
        String(ROUNDS),
        stop,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let rounds = '';
    attacker.stdout.on('data', (d: Buffer) => (rounds += d.toString()));
    const attackerDone = new Promise<number | null>((r) => attacker.on('exit', (code) => r(code)));
    // Its whole process group: killing only setpriv's timeout would leave the loop running.
    scope.defer(() => {
      if (attacker.exitCode === null) process.kill(-(attacker.pid as number), 'SIGKILL');
    });
    for (let i = 0; i < N; i++) {
      for (const kind of ['spam', 'ham'] as const) {
        const name = n[kind][i] as string;
        await real[kind].use(async (at) => {
          await writeFile(at(name), message(kind, i, 'race'), { mode: 0o660 });
          await chown(at(name), KOPANO.uid, KOPANO.gid);
        });
      }
      await new Promise((r) => setTimeout(r, 60));
    }
    // Learning happens under attack: the swapping goes on until kopano's real folders are empty (or time is up: what
    // was touched outside is checked first, then whether everything was learned).
    const left = async () => (await real.spam.list()).length + (await real.ham.list()).length;
    const consumed = await eventually(async () => (await left()) === 0, 90_000, 'all messages consumed under attack').then(
      () => undefined,
      (e: Error) => new Error(`${e.message}\n${learner.output().slice(-6000)}`),
    );
    await writeFile(stop, '');
    assert.equal(await attackerDone, 0, 'the attacker ran until told to stop');
    assert.ok(Number(rounds) >= 100, `only ${rounds} rounds`);
    for (const k of ['spam', 'ham']) assert.ok((await lstat(join(lib, k))).isDirectory(), `${k}/ is back`);
    await intact();
    if (consumed) throw consumed;
    assert.equal(await countFiles(join(lib, 'spam')), 0);
    assert.equal(await countFiles(join(lib, 'ham')), 0);
    const counts = await eventually(
      async () => {
        const c = await bayesCounts(mtaPaths(root).bayes);
        return c.nspam >= N && c.nham >= N ? c : undefined;
      },
      20_000,
      'counts after the idle sync',
    );
    assert.deepEqual(counts, { nspam: N, nham: N }, 'exactly the real messages were learned, no decoy');
    assert.equal(learner.proc.exitCode, null, 'still running');
    const lines = logLines(learner);
    assert.equal(lines.filter((l) => l.event === 'spamd.replaced' || l.event === 'spamd.fatal').length, 0);
    // The swaps are logged once per folder, however many there were.
    const refused = lines.filter((l) => l.event === 'fs.refused').map((l) => `${String(l.path).slice(lib.length + 1)}: ${l.reason}`);
    assert.deepEqual(refused.sort(), ['ham: it is a symbolic link', 'spam: it is a symbolic link']);
  },
);

// The attack as it was confirmed on the image: the folders listed, then swapped for links before their files are read
// (kopano writes over a shared volume, so a file waits SPAMD_STABLE_MS before it is read). Reading and removing by
// path then took the same names in the link's target: decoys learned and deleted, a DKIM key moved to failed/.
test(
  'spam/ and ham/ swapped for links between listing and reading: the listed files are learned from the real folders',
  asRoot,
  async () => {
    const { root, lib, n, keys, decoy, intact } = await attackedLib(10);
    for (const kind of ['spam', 'ham'] as const)
      for (const [i, name] of n[kind].entries()) await drop(lib, kind, name, message(kind, i, 'listed'));
    const learner = startLearner(root, lib, { NATS_URL: 'nats://127.0.0.1:1', SPAMD_STABLE_MS: '3000', SPAMD_BATCH_MS: '100' });
    scope.defer(() => learner.stop());
    await eventually(() => logLines(learner).some((l) => l.event === 'spamd.ready'), 20_000, 'learner ready');
    // Listed at start; well within the 3 s before they are read, kopano moves the folders away and links them.
    execFileSync('setpriv', [
      `--reuid=${KOPANO.uid}`,
      `--regid=${KOPANO.gid}`,
      '--clear-groups',
      'sh',
      '-c',
      SWAP,
      'swap',
      lib,
      decoy,
      keys,
    ]);
    const real = { spam: join(lib, 'spam.real'), ham: join(lib, 'ham.real') };
    const consumed = await eventually(
      async () => (await countFiles(real.spam)) + (await countFiles(real.ham)) === 0,
      60_000,
      'the real files learned',
    ).then(
      () => undefined,
      (e: Error) => new Error(`${e.message}\n${learner.output().slice(-6000)}`),
    );
    await intact();
    if (consumed) throw consumed;
    const counts = await eventually(
      async () => {
        const c = await bayesCounts(mtaPaths(root).bayes);
        return c.nspam >= 10 && c.nham >= 10 ? c : undefined;
      },
      20_000,
      'counts after the idle sync',
    );
    assert.deepEqual(counts, { nspam: 10, nham: 10 });
  },
);
