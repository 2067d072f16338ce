import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { figures } from './benchmarks.ts';
import { CATALOG } from './catalog.ts';
import { formatVerdict, judge } from './targets.ts';

const HEADER = new Set(['bench', 'at', 'node', 'cpu', 'debian']);

// Where a bench's result lives.
export const resultPath = (bench: string): string => fileURLToPath(new URL(`../../results/${bench}.json`, import.meta.url));

// Writes bench/results/<bench>.json with each target's verdict, then prints every figure, each one that has a
// target next to it. A missed target is printed, not an error: figures on a shared machine are read with their
// conditions. An interim write (a long bench's partial result) can skip the printing.
export function writeResult(bench: string, result: Record<string, unknown>, opts: { print?: boolean } = {}): void {
  const verdicts = judge(result, CATALOG[bench]?.targets ?? []);
  const out = { ...result, targets: verdicts, meetsTargets: verdicts.every((v) => v.met) };
  writeFileSync(resultPath(bench), `${JSON.stringify(out, null, 2)}\n`);
  if (opts.print === false) return;
  const judged = new Map(verdicts.map((v) => [v.figure, v]));
  for (const [k, v] of figures(result).filter(([k]) => !HEADER.has(k))) {
    const verdict = judged.get(k);
    console.log(`${bench}: ${verdict ? formatVerdict(verdict) : `${k} ${v}`}`);
  }
  for (const v of verdicts.filter((x) => x.value === undefined)) console.log(`${bench}: ${formatVerdict(v)}`);
  console.log(`${bench}: ${verdicts.filter((v) => v.met).length} of ${verdicts.length} targets met; written ${resultPath(bench)}`);
}
