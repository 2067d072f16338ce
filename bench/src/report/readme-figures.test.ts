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

test('image sizes name the release of the headline and list the other releases beside it', () => {
  const images = (mini: number, base: number, full: number) => ({ mini: { MB: mini }, base: { MB: base }, full: { MB: full } });
  const block = renderReadmeFigures([
    {
      file: 'image-sizes.json',
      data: {
        measuredAt: '2026-12-07T03:26:36Z',
        release: 'bookworm',
        images: images(415, 432, 569),
        releases: { bookworm: { images: images(415, 432, 569) }, trixie: { images: images(479, 499, 595) } },
      },
    },
  ]);
  assert.match(
    block,
    /^- image sizes \(bookworm\): mini 415 MB, base 432 MB, full 569 MB; trixie: mini 479 MB, base 499 MB, full 595 MB — 2026-12-07$/m,
  );
  // A result file from before releases were recorded still reads as it did.
  assert.match(
    renderReadmeFigures([{ file: 'image-sizes.json', data: { images: images(1, 2, 3) } }]),
    /- image sizes: mini 1 MB, base 2 MB, full 3 MB$/m,
  );
});
