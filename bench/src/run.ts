// `npm run bench [name…]`: runs every bench/src/<name>.ts (or the named ones) in its own process, one after the
// other, so one bench's daemons and timers cannot disturb the next. Each writes bench/results/<name>.json.
//
// A bench that starts daemons runs those of the image's Debian release (the Dockerfile's `ARG DEBIAN_RELEASE`, or
// MTA_TEST_RELEASE/MTA_DEBIAN_RELEASE), as the tests do: on the host when it is that release, else inside
// scripts/test-root's root of it. BENCH_RELEASES=bookworm,trixie runs each such bench on those releases in one run
// (report/releases.ts): once per release and round (BENCH_RELEASE_ROUNDS, default 1; the order flips every round),
// and the result holds every run and the ratio of each figure. startup alternates the images itself; the benches
// below that involve no Debian package run once, on the host.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { benchReleases, combineReleases, roundOrder } from './report/releases.ts';
import { resultPath, writeResult } from './report/write.ts';

// Why these benches measure the same on every release.
const RELEASE_INDEPENDENT: Record<string, string> = {
  'dkim-keygen': "node:crypto (Node's own OpenSSL) against node-forge (JavaScript): no Debian package involved",
  'type-check': 'tsc over the sources: no Debian package involved',
};
// Benches that run the images (podman, on the host): startup alternates the releases itself; cold-start-scale measures
// the image of the Dockerfile's release.
const IMAGE_BENCHES = new Set(['startup', 'cold-start-scale']);

const dir = import.meta.dirname;
const repo = join(dir, '..', '..');
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => basename(f, '.ts'))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`bench: unknown ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
const releases = benchReleases();
const rounds = Number(process.env.BENCH_RELEASE_ROUNDS ?? 1);
const host = /^VERSION_CODENAME=(\S+)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
const dockerfileRelease = /^ARG DEBIAN_RELEASE=(\S+)$/m.exec(readFileSync(join(repo, 'Dockerfile'), 'utf8'))?.[1] ?? '';
// The checkout's own node exists at the same path inside a test root; a system node may not.
const node = process.execPath.startsWith(`${repo}/`) ? process.execPath : join(repo, 'node_modules', '.bin', 'node');

// One run of a bench on a release (undefined: wherever this runs); true when it succeeded.
function runOnce(name: string, release?: string): boolean {
  const bench = [node, '--conditions=source', '--import', 'tsx', join(dir, `${name}.ts`)];
  const cmd = release && release !== host ? ['bash', join(repo, 'scripts', 'test-root'), 'run', release, '--', ...bench] : bench;
  const r = spawnSync(cmd[0] as string, cmd.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, ...(release && { MTA_TEST_RELEASE: release }) },
  });
  return r.status === 0;
}

// Every release in turn, round by round; the runs of each release are collected from the result file it wrote. A
// bench that exits non-zero after writing its result (acme-latency does when it misses a target) still counts as a
// run there, and the whole counts as failed.
function runOnReleases(name: string, list: readonly string[]): boolean {
  const runs: Record<string, Record<string, unknown>[]> = {};
  const written = () => statSync(resultPath(name), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  let ok = true;
  for (let round = 0; round < rounds; round++)
    for (const release of roundOrder(list, round)) {
      console.log(`bench: ${name} on ${release} (round ${round + 1} of ${rounds})`);
      const before = written();
      const passed = runOnce(name, release);
      if (written() === before) return false;
      ok &&= passed;
      (runs[release] ??= []).push({
        ...JSON.parse(readFileSync(resultPath(name), 'utf8')),
        release,
        ...(passed ? {} : { exitedNonZero: true }),
      });
    }
  const headline = list.includes(dockerfileRelease) ? dockerfileRelease : (list[0] as string);
  writeResult(name, combineReleases(runs, list, headline));
  return ok;
}

const underTest = process.env.MTA_TEST_RELEASE || process.env.MTA_DEBIAN_RELEASE || dockerfileRelease;
const onHost = (name: string) => name in RELEASE_INDEPENDENT || IMAGE_BENCHES.has(name);

const failed: string[] = [];
for (const name of wanted.length ? wanted : all) {
  console.log(`bench: ${name}`);
  const t0 = performance.now();
  if (releases && name in RELEASE_INDEPENDENT) console.log(`bench: ${name} runs once: ${RELEASE_INDEPENDENT[name]}`);
  const ok = onHost(name) ? runOnce(name) : releases ? runOnReleases(name, releases) : runOnce(name, underTest);
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  if (ok) console.log(`bench: ${name} done in ${s} s`);
  else {
    failed.push(name);
    console.error(`bench: ${name} failed after ${s} s`);
  }
}
if (failed.length) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exit(1);
}
