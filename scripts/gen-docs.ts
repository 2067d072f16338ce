// `npm run docs` writes the generated pages (docs/configuration.md from the env schema, docs/metrics.md from the
// metrics sidecar's families, docs/benchmarks.md with its curves as docs/bench/*.svg, and the
// README's figures block from bench/results); `--check` exits 1 naming each stale page, so CI fails when a committed page drifts.
// Usage: gen-docs.ts [--check] [--dir docsDir] [--bench resultsDir]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { type BenchResult, renderBenchmarksMd } from '../bench/src/report/benchmarks.ts';
import { curvePages } from '../bench/src/report/curve-pages.ts';
import { renderReadmeFigures, spliceReadme } from '../bench/src/report/readme-figures.ts';
import { docsDrift, renderConfigurationMd } from '../cli/src/docs/markdown.ts';
import { renderMetricsMd } from '../cli/src/docs/metrics.ts';
import { SPECS } from '../sidecars/metrics/src/families.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
};
const root = join(import.meta.dirname, '..');
const dir = opt('--dir', join(root, 'docs'));
const benchDir = opt('--bench', join(root, 'bench', 'results'));

function benchResults(): { file: string; data: BenchResult }[] {
  let files: string[] = [];
  try {
    files = readdirSync(benchDir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map((file) => ({ file, data: JSON.parse(readFileSync(join(benchDir, file), 'utf8')) as BenchResult }));
}

const readmePath = join(root, 'README.md');
const readme = (() => {
  try {
    return readFileSync(readmePath, 'utf8');
  } catch {
    return '';
  }
})();
const readmeText = spliceReadme(readme, renderReadmeFigures(benchResults()));
const pages = [
  { path: join(dir, 'configuration.md'), text: renderConfigurationMd() },
  { path: join(dir, 'benchmarks.md'), text: renderBenchmarksMd(benchResults()) },
  {
    path: join(dir, 'metrics.md'),
    text: renderMetricsMd(Object.values(SPECS), readFileSync(join(root, 'examples/prometheus/alerts.yml'), 'utf8')),
  },
  // The scale curves as pictures (docs/bench/*.svg), linked from docs/benchmarks.md.
  ...curvePages(benchResults()).map((c) => ({ path: join(dir, c.file), text: c.text })),
  ...(readmeText === undefined || dir !== join(root, 'docs') ? [] : [{ path: readmePath, text: readmeText }]),
];
const shown = (p: string) => relative(process.cwd(), p) || p;
const read = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
};

if (args.includes('--check')) {
  const stale = pages.flatMap((p) => {
    const drift = docsDrift(read(p.path), p.text);
    return drift ? [`${shown(p.path)} is stale (${drift})`] : [];
  });
  for (const line of stale) process.stderr.write(`${line}: run \`npm run docs\` and commit the result\n`);
  if (stale.length) process.exit(1);
  process.stdout.write(`${pages.map((p) => shown(p.path)).join(', ')} up to date\n`);
} else {
  for (const p of pages) {
    mkdirSync(dirname(p.path), { recursive: true });
    writeFileSync(p.path, p.text);
  }
  process.stdout.write(`wrote ${pages.map((p) => shown(p.path)).join(', ')}\n`);
}
