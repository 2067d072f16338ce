import { figures } from './benchmarks.ts';

// Benches run on several Debian releases in one run (BENCH_RELEASES=bookworm,trixie): each release's figures side by
// side and their ratio, so a move to the next release shows what it costs. The first release named is the baseline.
type Json = Record<string, unknown>;

// Fields of a result that describe the run, not what it measured.
const HEADER = new Set(['bench', 'at', 'node', 'cpu', 'debian', 'conditions', 'measuredAt', 'release']);

// The releases to alternate, in the order given; undefined when unset (the bench runs on the release under test).
export function benchReleases(value = process.env.BENCH_RELEASES): string[] | undefined {
  const list = (value ?? '').split(/[\s,]+/).filter(Boolean);
  if (!list.length) return undefined;
  const bad = list.filter((r) => !/^[a-z]+$/.test(r));
  if (bad.length) throw new Error(`BENCH_RELEASES: not a Debian release name: ${bad.join(', ')}`);
  return [...new Set(list)];
}

// The order of round `round` (0-based): reversed every other round, so no release always runs first (a warmer page
// cache, a host whose load drifts).
export const roundOrder = (releases: readonly string[], round: number): string[] => (round % 2 ? [...releases].reverse() : [...releases]);

// Every numeric figure of a result by dotted path (samples and the run's description left out).
function numericFigures(result: Json): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of figures(result)) {
    const n = Number(v);
    if (!HEADER.has(k.split('.')[0] ?? '') && v !== '' && Number.isFinite(n)) out.set(k, n);
  }
  return out;
}

// Each figure's median over the runs of one release.
export function medianFigures(runs: readonly Json[]): Map<string, number> {
  const all = new Map<string, number[]>();
  for (const r of runs) for (const [k, v] of numericFigures(r)) all.set(k, [...(all.get(k) ?? []), v]);
  return new Map(
    [...all].map(([k, xs]) => {
      const s = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(s.length / 2);
      return [k, s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2];
    }),
  );
}

// other / base for every figure both have; a zero or missing baseline has no ratio.
export function releaseRatios(base: ReadonlyMap<string, number>, other: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, b] of base) {
    const o = other.get(k);
    if (o !== undefined && b !== 0) out[k] = Number((o / b).toFixed(3));
  }
  return out;
}

// One result for a bench run on several releases: the headline release's last run at the top (its targets judged
// there, as for a run on one release), every run of every release under `releases`, and `releaseRatio` with each other
// release's median figures over the first release's ("trixie/bookworm").
export function combineReleases(runs: Readonly<Record<string, readonly Json[]>>, releases: readonly string[], headline: string): Json {
  const [base, ...others] = releases;
  const top = runs[headline]?.at(-1) ?? {};
  const medians = Object.fromEntries(releases.map((r) => [r, medianFigures(runs[r] ?? [])]));
  const ratio: Record<string, Record<string, number>> = {};
  for (const o of others) if (base) ratio[`${o}/${base}`] = releaseRatios(medians[base] ?? new Map(), medians[o] ?? new Map());
  return {
    ...top,
    headlineRelease: headline,
    releases: Object.fromEntries(releases.map((r) => [r, runs[r] ?? []])),
    releaseRatio: ratio,
  };
}
