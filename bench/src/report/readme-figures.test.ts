import assert from 'node:assert/strict';
import { test } from 'node:test';
import { README_END, README_START, renderReadmeFigures, spliceReadme } from './readme-figures.ts';

test('figures come from the result files, unknown benchmarks link to the full page', () => {
  const block = renderReadmeFigures([
    {
      file: 'dkim-keygen.json',
      data: { at: '2026-01-02T00:00:00Z', native: { medianMs: 100 }, forge: { medianMs: 1500 }, ratio: 15 },
    },
    { file: 'zzz.json', data: {} },
  ]);
  assert.match(block, /node:crypto 100 ms vs node-forge 1500 ms, 15× \(target ≥ 10×\) — 2026-01-02/);
  assert.match(block, /- zzz: see \[benchmarks\]/);
});

test('splicing replaces only the marked block and needs both markers', () => {
  const readme = `intro\n${README_START}\nold\n${README_END}\noutro\n`;
  assert.equal(spliceReadme(readme, `${README_START}\nnew\n${README_END}`), `intro\n${README_START}\nnew\n${README_END}\noutro\n`);
  assert.equal(spliceReadme('no markers', 'x'), undefined);
});
