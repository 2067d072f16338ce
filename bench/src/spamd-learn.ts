// bench/spamd-learn: the seed's way (one sa-learn per file) against the sidecar's batch (one sa-learn for all files,
// then one journal sync), same files, same run, each into a fresh DB as the amavis user; plus the idle RSS and CPU
// of the running sidecar. Writes bench/results/spamd-learn.json; targets in report/catalog.ts.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBayesDir, learnFiles, lookupUser, SaRunner, syncBayes } from '@mta/spamd-learn';
import { bundleSidecars, launcher } from '@mta/test/harness/bundle';
import { type Daemon, eventually, startDaemon, tempRoot } from '@mta/test/harness/index';
import { message } from '@mta/test/spamd/corpus';
import { logLines, startLearner } from '@mta/test/spamd/learner';
import { resultHeader } from './report/header.ts';
import { writeResult } from './report/write.ts';

const FILES = Number(process.env.BENCH_FILES ?? 200);
const IDLE_MS = 10_000;

const root = await tempRoot('mta-bench-spamd-');
const user = await lookupUser('amavis');
const files: string[] = [];
mkdirSync(join(root.dir, 'msgs'));
for (let i = 0; i < FILES; i++) {
  const f = join(root.dir, 'msgs', `S${i}.eml`);
  await writeFile(f, message('spam', i, 'bench'), { mode: 0o644 });
  files.push(f);
}
interface Target {
  dbPath: string;
  home: string;
}
const target = async (name: string): Promise<Target> => {
  const dbPath = join(root.dir, name, '.spamassassin/bayes');
  await ensureBayesDir(dbPath, user);
  return { dbPath, home: join(root.dir, name) };
};
const asAmavis = ['setpriv', '--reuid=amavis', '--regid=amavis', '--clear-groups'] as const;
const nspam = (t: Target) =>
  Number(
    /(\d+)\s+\d+\s+non-token data: nspam$/m.exec(
      execFileSync(asAmavis[0], [...asAmavis.slice(1), 'sa-learn', '--local', '--dbpath', t.dbPath, '--dump', 'magic'], {
        env: { ...process.env, HOME: t.home },
      }).toString(),
    )?.[1],
  );

// The seed: `sa-learn --spam <file>` for every file, each run loading SpamAssassin and syncing on its own.
const seed = await target('per-file');
let t0 = performance.now();
for (const f of files)
  execFileSync(asAmavis[0], [...asAmavis.slice(1), 'sa-learn', '--local', '--dbpath', seed.dbPath, '--spam', f], {
    env: { ...process.env, HOME: seed.home },
  });
const perFileMs = performance.now() - t0;

// The sidecar's code path: copy + check, one sa-learn --no-sync for the batch through the amavis runner, then one
// --sync. The runner is started before the clock, as the sidecar starts it once.
const batch = await target('batched');
const stagingRoot = join(root.dir, 'staging');
mkdirSync(stagingRoot, { mode: 0o750 });
chownSync(stagingRoot, 0, user.gid);
chmodSync(stagingRoot, 0o2750);
const runner = SaRunner.start({ user, stagingRoot, dbPath: batch.dbPath, home: batch.home });
const sources = files.map((f) => ({ label: f, read: async () => ({ data: await readFile(f) }) }));
t0 = performance.now();
const r = await learnFiles('spam', sources, { runner, stagingRoot });
const unsynced = await syncBayes(runner);
const batchedMs = performance.now() - t0;
runner.close();
if (r.learned.length !== FILES || unsynced) throw new Error(`batch learned ${r.learned.length}/${FILES} ${unsynced ?? ''}`);
const counts = { perFile: nspam(seed), batched: nspam(batch) };

// Idle footprint of the real sidecar, started through tsx (as the tests do) and as one plain-JS bundle (as shipped).
const lib = join(root.dir, 'kopano/spamd');
mkdirSync(join(lib, 'spam'), { recursive: true });
mkdirSync(join(lib, 'ham'), { recursive: true });
// The image's default: the local NATS server, no fleet (an idle sidecar then has not connected or loaded the client).
const env: Record<string, string> = {};

async function idle(d: Daemon): Promise<{ rssMB: number; cpuPercent: number }> {
  await eventually(() => logLines(d).some((l) => l.event === 'spamd.ready'), 20_000, 'sidecar ready');
  await new Promise((res) => setTimeout(res, 3000));
  const pid = d.proc.pid as number;
  const ticks = () => {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const ticks0 = ticks();
  await new Promise((res) => setTimeout(res, IDLE_MS));
  const cpuPercent = ((ticks() - ticks0) / 100 / (IDLE_MS / 1000)) * 100;
  const rssMB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  await d.stop();
  return { rssMB: Number(rssMB.toFixed(1)), cpuPercent: Number(cpuPercent.toFixed(2)) };
}

const viaTsx = await idle(startLearner(root.dir, lib, env));
// The shipped form: the image's bundle, started with the flags of the image's sidecar launcher.
const bundle = bundleSidecars(join(root.dir, 'bundle'), ['spamd-learn'])['spamd-learn'] as string;
const { nodeFlags, env: launcherEnv } = launcher();
const bundled = await idle(
  startDaemon(process.execPath, [...nodeFlags, bundle], {
    env: { ...process.env, ...launcherEnv, MTA_ROOT: root.dir, KOPANO_SPAMD_LIB: lib, MAIL_DOMAIN: 'example.com', ...env },
  }),
);
const bareNode = await idle(
  startDaemon(process.execPath, ['-e', "console.log(JSON.stringify({event:'spamd.ready'})); setInterval(() => {}, 1e6)"]),
);
await root.cleanup();

const result = {
  ...resultHeader('spamd-learn'),
  files: FILES,
  perFileMs: Math.round(perFileMs),
  batchedMs: Math.round(batchedMs),
  ratio: Number((perFileMs / batchedMs).toFixed(1)),
  nspam: counts,
  idle: { bundled, viaTsx, bareNode, windowMs: IDLE_MS, nodeFlags, glibcTunables: launcherEnv.GLIBC_TUNABLES },
  note: 'per-file = one sa-learn per file (the seed); batched = learnFiles (one sa-learn --no-sync) + one sa-learn --sync; idle RSS/CPU of the sidecar as shipped (scripts/bundle-sidecars.mjs, flags of image/lib/sidecar), through tsx, and of a bare node process for reference',
  saLearn: execFileSync('sa-learn', ['--version']).toString().trim(),
};
writeResult('spamd-learn', result);
