import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderConfigurationMd } from '@mta/cli/docs/markdown';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'gen-docs.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });

test('docs/configuration.md is what `npm run docs` generates from the schema (CI fails on drift)', () => {
  const committed = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  assert.ok(committed === renderConfigurationMd(), 'docs/configuration.md is stale: run `npm run docs` and commit the result');
});

test('--check exits 1 with a clear message on a stale file and writing fixes it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mta-docs-'));
  try {
    const out = join(dir, 'configuration.md');
    const bench = join(dir, 'results');
    writeFileSync(out, renderConfigurationMd().replace(/\n- \*\*default\*\*: .*/, '\n- **default**: `stale`'));
    const stale = run('--check', '--dir', dir, '--bench', bench);
    assert.equal(stale.status, 1);
    assert.match(
      stale.stderr,
      /configuration\.md is stale \(first difference at line \d+: expected "- \*\*default\*\*: .*"\): run `npm run docs`/,
    );
    assert.match(stale.stderr, /benchmarks\.md is stale \(missing or empty\)/);
    assert.equal(run('--dir', dir, '--bench', bench).status, 0);
    assert.equal(run('--check', '--dir', dir, '--bench', bench).status, 0);
    assert.match(readFileSync(join(dir, 'benchmarks.md'), 'utf8'), /No result yet: run `npm run bench /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docs/metrics.md is what `npm run docs` generates from the metric families and the shipped alerts', async () => {
  const { renderMetricsMd } = await import('@mta/cli/docs/metrics');
  const { SPECS } = await import('@mta/metrics/families');
  const alerts = readFileSync(join(ROOT, 'examples', 'prometheus', 'alerts.yml'), 'utf8');
  const committed = readFileSync(join(ROOT, 'docs', 'metrics.md'), 'utf8');
  assert.ok(
    committed === renderMetricsMd(Object.values(SPECS), alerts),
    'docs/metrics.md is stale: run `npm run docs` and commit the result',
  );
});
