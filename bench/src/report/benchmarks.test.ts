import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figures, renderBenchmarksMd } from './benchmarks.ts';
import { curvePages } from './curve-pages.ts';
import { curveOf } from './curves.ts';

test('figures flattens nested scalars and drops raw sample arrays', () => {
  assert.deepEqual(figures({ a: 1, b: { p50: 2, all: [1, 2] }, c: 'x', d: null }), [
    ['a', '1'],
    ['b.p50', '2'],
    ['c', 'x'],
  ]);
});

const catalog = {
  zeta: { measures: 'zeta things per second', limits: 'the zeta daemon', targets: [{ figure: 'ratio', atLeast: 2, unit: '×' }] },
  beta: { measures: 'beta', limits: 'nothing', targets: [], profile: ['half in a', 'half in b'] },
};

test('each bench becomes a section: what it measures and what limits it, targets judged, then every figure', () => {
  const md = renderBenchmarksMd(
    [
      { file: 'z.json', data: { bench: 'zeta', at: '2026-01-01T00:00:00Z', ratio: 1.5, note: 'a|b', conditions: 'shared box' } },
      { file: 'a.json', data: { latencyMs: { p50: 388 } } },
    ],
    catalog,
  );
  assert.ok(md.indexOf('## a') < md.indexOf('## beta') && md.indexOf('## beta') < md.indexOf('## zeta'));
  assert.match(
    md,
    /## zeta\n\n\*\*Measures:\*\* zeta things per second\n\n\*\*Limited by:\*\* the zeta daemon\n\nSource: `bench\/results\/z\.json`, measured 2026-01-01T00:00:00Z\.\n\nConditions: shared box\n/,
  );
  assert.match(md, /\| ratio \| 1\.5 \| ≥ 2× \| \*\*no\*\* \|/);
  assert.match(md, /\| latencyMs\.p50 \| 388 \|/);
  assert.match(md, /\| note \| a\\\|b \|/);
  assert.match(
    md,
    /## beta\n\n\*\*Measures:\*\* beta\n\n\*\*Limited by:\*\* nothing\n\n\*\*Where the time goes:\*\*\n\n- half in a\n- half in b\n\nNo result yet: run `npm run bench beta`\./,
  );
});

test('a result with curves shows each one as a picture, drawn by `npm run docs`, and its points in a table', () => {
  const curve = curveOf(
    'bans in force',
    'apply one ban (ms)',
    new Map([
      [100, [1, 1.2]],
      [10_000, [1.1]],
      [100_000, [1.3]],
    ]),
    0.2,
  );
  const data = { bench: 'guard-scale', at: '2026-12-07T00:00:00Z', curves: { applyBan: curve } };
  const md = renderBenchmarksMd([{ file: 'guard-scale.json', data }], {});
  assert.match(md, /!\[apply one ban \(ms\) against bans in force: exponent 0\.02\]\(bench\/guard-scale-applyBan\.svg\)/);
  assert.match(md, /\| applyBan \| 100000 \| 1\.3 \| 1\.3 \|/);
  const pages = curvePages([{ data }]);
  assert.deepEqual(
    pages.map((p) => p.file),
    ['bench/guard-scale-applyBan.svg'],
  );
  assert.match(pages[0]?.text ?? '', /^<svg [\s\S]*target: exponent ≤ 0\.2/);
});
