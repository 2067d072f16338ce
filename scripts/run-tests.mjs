#!/usr/bin/env node
// Runs every *.test.ts with the node test runner on TypeScript sources; `--unit` skips the daemon tests in test/.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const unit = process.argv.includes('--unit');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const patterns = only.length
  ? only
  : ['shared/src/**/*.test.ts', 'sidecars/*/src/**/*.test.ts', 'cli/src/**/*.test.ts', ...(unit ? [] : ['test/src/**/*.test.ts'])];
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
const r = spawnSync(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.MTA_TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
