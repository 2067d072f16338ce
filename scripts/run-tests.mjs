#!/usr/bin/env node
// Runs every *.test.ts with the node test runner on TypeScript sources; `--unit` skips the daemon tests in test/.
// Lint and types gate first (tsx strips types, so a type error would otherwise pass every test); `--no-gate` skips
// them when a developer runs single files. Files whose first lines say `mta-test: serial` assert wall-clock bounds:
// they run afterwards, alone.
//
// The daemons are those of the image's Debian release (the Dockerfile's `ARG DEBIAN_RELEASE`; MTA_TEST_RELEASE or
// MTA_DEBIAN_RELEASE choose another). On a host of another release every test file except the image tests runs inside
// that release's root (scripts/test-root: same checkout path, same node); the image tests drive podman from the host.
import { spawnSync } from 'node:child_process';
import { globSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const unit = process.argv.includes('--unit');
const gate = !process.argv.includes('--no-gate');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const patterns = only.length
  ? only
  : [
      'shared/src/**/*.test.ts',
      'sidecars/*/src/**/*.test.ts',
      'cli/src/**/*.test.ts',
      'bench/src/**/*.test.ts',
      ...(unit ? [] : ['test/src/**/*.test.ts']),
    ];
const files = patterns.flatMap((p) => globSync(p, { exclude: (f) => f.includes('node_modules') })).sort();
if (!files.length) {
  console.error('run-tests: no test files matched', patterns.join(' '));
  process.exit(1);
}
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`run-tests: Node ${process.version} is too old; run through npm so node_modules/.bin/node (24) is used`);
  process.exit(1);
}
if (gate) {
  const npm = process.env.npm_execpath;
  for (const script of ['lint', 'typecheck']) {
    const r = npm
      ? spawnSync(process.execPath, [npm, 'run', '--silent', script], { stdio: 'inherit' })
      : spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`run-tests: \`npm run ${script}\` failed; no test was run`);
      process.exit(1);
    }
  }
}
const repo = join(import.meta.dirname, '..');
const release =
  process.env.MTA_TEST_RELEASE ||
  process.env.MTA_DEBIAN_RELEASE ||
  /^ARG DEBIAN_RELEASE=(\S+)/m.exec(readFileSync(join(repo, 'Dockerfile'), 'utf8'))?.[1];
const host = /^VERSION_CODENAME=(\S+)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
let here = files;
let inRootStatus = 0;
if (release && release !== host) {
  // The image tests build and run the images of the same release.
  process.env.MTA_DEBIAN_RELEASE ||= release;
  here = files.filter((f) => relative(repo, f).startsWith('test/src/image/'));
  const inRoot = files.filter((f) => !here.includes(f));
  console.log(`run-tests: ${inRoot.length} file(s) in the ${release} root (host: ${host ?? 'unknown'}), ${here.length} on the host`);
  // The checkout's own node (node_modules/.bin/node) exists at the same path inside the root; a system node may not.
  const node = process.execPath.startsWith(`${repo}/`) ? process.execPath : join(repo, 'node_modules', '.bin', 'node');
  const args = [join(repo, 'scripts', 'test-root'), 'run', release, '--', node, join(repo, 'scripts', 'run-tests.mjs'), '--no-gate'];
  if (inRoot.length)
    inRootStatus =
      spawnSync('bash', [...args, ...inRoot], { stdio: 'inherit', env: { ...process.env, MTA_TEST_RELEASE: release } }).status ?? 1;
  if (inRootStatus !== 0) console.log(`run-tests: the run in the ${release} root failed (exit ${inRootStatus})`);
}
const serial = here.filter((f) => readFileSync(f, 'utf8').slice(0, 400).includes('mta-test: serial'));
const parallel = here.filter((f) => !serial.includes(f));
const runNode = (list, concurrency) =>
  list.length
    ? (spawnSync(
        process.execPath,
        ['--conditions=source', '--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...list],
        { stdio: 'inherit' },
      ).status ?? 1)
    : 0;
const first = runNode(parallel, process.env.MTA_TEST_CONCURRENCY ?? 2);
if (serial.length) console.log(`\nrun-tests: ${serial.length} file(s) with timing bounds, alone: ${serial.join(' ')}\n`);
const second = runNode(serial, 1);
if (first !== 0 && serial.length) console.log(`run-tests: the parallel run above failed (exit ${first})`);
process.exit(inRootStatus || first || second);
