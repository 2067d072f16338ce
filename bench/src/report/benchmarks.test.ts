import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figures, renderBenchmarksMd } from './benchmarks.ts';

test('figures flattens nested scalars and drops raw sample arrays', () => {
  assert.deepEqual(figures({ a: 1, b: { p50: 2, all: [1, 2] }, c: 'x', d: null }), [
    ['a', '1'],
    ['b.p50', '2'],
    ['c', 'x'],
  ]);
});

test('each result file becomes a section with its figures, sorted by file', () => {
  const md = renderBenchmarksMd([
    { file: 'z.json', data: { bench: 'zeta', at: '2026-01-01T00:00:00Z', msgsPerSec: 812.5 } },
    { file: 'a.json', data: { latencyMs: { p50: 388 }, note: 'a|b' } },
  ]);
  assert.ok(md.indexOf('## a') < md.indexOf('## zeta'));
  assert.match(
    md,
    /## zeta\n\nSource: `bench\/results\/z\.json`, measured 2026-01-01T00:00:00Z\.\n\n\| figure \| value \|\n\|---\|---\|\n\| msgsPerSec \| 812\.5 \|/,
  );
  assert.match(md, /\| latencyMs\.p50 \| 388 \|/);
  assert.match(md, /\| note \| a\\\|b \|/);
  assert.match(renderBenchmarksMd([]), /No results yet/);
});
