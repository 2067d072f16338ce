import { CATALOG } from './catalog.ts';
import { bounds } from './targets.ts';

// The README's "measured" section, generated from bench/results so the figures are never typed by hand.
type Json = Record<string, unknown>;
const at = (j: Json, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Json | undefined)?.[k], j);
const num = (j: Json, path: string): string => {
  const v = at(j, path);
  return typeof v === 'number' ? String(v) : '?';
};

// A figure's target as the catalog states it (≥ 0.9, ≤ 3×).
const target = (bench: string, figure: string): string => {
  const t = CATALOG[bench]?.targets.find((x) => x.figure === figure);
  return t ? bounds(t) : '?';
};

// The sizes of the releases other than the headline's (bench/results/image-sizes.json keeps the latest of each).
const otherReleases = (j: Json): string =>
  Object.keys((at(j, 'releases') as Json | undefined) ?? {})
    .filter((r) => r !== j.release)
    .map((r) => `; ${r}: ${['mini', 'base', 'full'].map((v) => `${v} ${num(j, `releases.${r}.images.${v}.MB`)} MB`).join(', ')}`)
    .join('');

// One line per known benchmark: what was compared, the ratio or latency, and the target.
const HEADLINES: Record<string, (j: Json) => string> = {
  'seed-render': (j) =>
    `seed of 1000 mailboxes + 1000 aliases: first start ${num(j, 'firstStart.medianMs')} ms, ${num(j, 'firstStart.vsPostmap')}× a plain postmap of the same tables (target ${target('seed-render', 'firstStart.vsPostmap')}); unchanged re-run ${num(j, 'unchangedRerun.vsPostmap')}× (target ${target('seed-render', 'unchangedRerun.vsPostmap')})`,
  'dkim-keygen': (j) =>
    `2048-bit DKIM key: node:crypto ${num(j, 'native.medianMs')} ms vs node-forge ${num(j, 'forge.medianMs')} ms, ${num(j, 'ratio')}× (target ${target('dkim-keygen', 'ratio')})`,
  'acme-latency': (j) =>
    `certificate rotation, acme.json rename → new certificate served: p50 ${num(j, 'latencyMs.p50')} ms, p99 ${num(j, 'latencyMs.p99')} ms (target p50 ${target('acme-latency', 'latencyMs.p50')})`,
  'spamd-learn': (j) =>
    `${num(j, 'files')} files learned: one sa-learn per file ${num(j, 'perFileMs')} ms vs batched ${num(j, 'batchedMs')} ms, ${num(j, 'ratio')}× (target ${target('spamd-learn', 'ratio')}); idle RSS ${num(j, 'idle.bundled.rssMB')} MB (bare node ${num(j, 'idle.bareNode.rssMB')} MB, target ${target('spamd-learn', 'idle.bundled.rssMB')})`,
  pipeline: (j) =>
    `mail through postfix → amavis → postfix: ${num(j, 'fullChain.perSec')} msg/s vs scanners alone ${num(j, 'scannersAlone.perSec')} msg/s, efficiency ${num(j, 'efficiency')} (target ${target('pipeline', 'efficiency')}; by CPU time ${num(j, 'cpuEfficiency')}); ${num(j, 'large.lost')} of ${num(j, 'large.accepted')} lost at concurrency ${num(j, 'large.concurrency')} (target ${target('pipeline', 'large.lost')})`,
  'fleet-learn': (j) =>
    `fleet learning, node A publishes → node B learned: p50 ${num(j, 'latencyMs.p50')} ms (target ${target('fleet-learn', 'latencyMs.p50')}), p99 ${num(j, 'latencyMs.p99')} ms`,
  'fleet-scale': (j) =>
    `fleet of 2 to 5 nodes, growth exponents: learn propagation ${num(j, 'curves.learn.exponent')}, DKIM key propagation ${num(j, 'curves.dkim.exponent')} (target ${target('fleet-scale', 'curves.learn.exponent')})`,
  'fleet-failover': (j) =>
    `fleet failover, one of three NATS servers killed → every node watching again: p50 ${num(j, 'failoverMs.p50')} ms, p99 ${num(j, 'failoverMs.p99')} ms over ${num(j, 'rounds')} failovers (target max ${target('fleet-failover', 'failoverMs.max')})`,
  'guard-scale': (j) =>
    `guard with up to ${num(j, 'largest.bans')} bans in force, growth exponents: one ban applied ${num(j, 'curves.applyBan.exponent')}, postfix lookup ${num(j, 'curves.lookup.exponent')} (targets ${target('guard-scale', 'curves.applyBan.exponent')}), cold start ${num(j, 'curves.coldStart.exponent')}; peak RSS ${num(j, 'largest.peakRssMB')} MB (target ${target('guard-scale', 'largest.peakRssMB')})`,
  'seed-scale': (j) =>
    `seed of up to ${num(j, 'largest.mailboxes')} mailboxes + as many aliases: growth exponent ${num(j, 'curves.firstStart.exponent')} (target ${target('seed-scale', 'curves.firstStart.exponent')}), ${num(j, 'largest.firstVsPostmap')}× a plain postmap at the largest (target ${target('seed-scale', 'largest.firstVsPostmap')}); peak RSS ${num(j, 'largest.peakRssMB')} MB (target ${target('seed-scale', 'largest.peakRssMB')})`,
  'metrics-scale': (j) =>
    `/metrics with up to ${num(j, 'largest.deferred')} deferred messages, cache off: growth exponent ${num(j, 'curves.scrape.exponent')} (target ${target('metrics-scale', 'curves.scrape.exponent')}), ${num(j, 'largest.scrapeMs')} ms at the largest (target ${target('metrics-scale', 'largest.scrapeMs')}); peak RSS ${num(j, 'largest.peakRssMB')} MB`,
  startup: (j) =>
    `cold start to SMTP 220: mini ${num(j, 'variants.mini.medianMs')} ms (target ${target('startup', 'variants.mini.medianMs')}), full ${num(j, 'variants.full.medianMs')} ms (target ${target('startup', 'variants.full.medianMs')}); idle RSS in the image: acme-watch ${num(j, 'idle.sidecars.acme-watch.rssMB')} MB, dkim-keys ${num(j, 'idle.sidecars.dkim-keys.rssMB')} MB, spamd-learn ${num(j, 'idle.sidecars.spamd-learn.rssMB')} MB (bare node ${num(j, 'idle.bareNodeMB')} MB, target ${target('startup', 'idle.sidecars.spamd-learn.rssMB')})`,
  submission: (j) =>
    `submission sender check (sender milter asking postfix), end of headers → answer: owned From p50 ${num(j, 'decision.ownedFrom.p50Ms')} ms, p99 ${num(j, 'decision.ownedFrom.p99Ms')} ms (target ${target('submission', 'decision.ownedFrom.p99Ms')}); LDAP login p99 ${num(j, 'decision.ldapFrom.p99Ms')} ms`,
  'image-sizes': (j) =>
    `image sizes${typeof j.release === 'string' ? ` (${j.release})` : ''}: mini ${num(j, 'images.mini.MB')} MB, base ${num(j, 'images.base.MB')} MB, full ${num(j, 'images.full.MB')} MB${otherReleases(j)}`,
};

export const README_START = '<!-- figures:start (generated by `npm run docs` from bench/results) -->';
export const README_END = '<!-- figures:end -->';

// The block between the README markers: one bullet per result file, in file-name order.
export function renderReadmeFigures(results: readonly { file: string; data: Json }[]): string {
  const lines = [...results]
    .sort((a, b) => a.file.localeCompare(b.file))
    .map(({ file, data }) => {
      const name = file.replace(/\.json$/, '');
      const headline = HEADLINES[name];
      const when = typeof data.at === 'string' ? data.at : typeof data.measuredAt === 'string' ? data.measuredAt : '';
      return headline ? `- ${headline(data)}${when ? ` — ${when.slice(0, 10)}` : ''}` : `- ${name}: see [benchmarks](docs/benchmarks.md)`;
    });
  return `${README_START}\n${lines.join('\n')}\n${README_END}`;
}

// Replaces the marked block of a README (or reports that the markers are missing).
export function spliceReadme(readme: string, block: string): string | undefined {
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  if (a < 0 || b < a) return undefined;
  return readme.slice(0, a) + block + readme.slice(b + README_END.length);
}
