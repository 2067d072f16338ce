// A small Prometheus registry: the families this sidecar exports, rendered as the text format (0.0.4) or
// OpenMetrics 1.0. Label values come only from bounded sets the code chooses (classes, services, domains of the
// configuration), never from addresses or other client input.

export type Kind = 'counter' | 'gauge' | 'histogram';

export interface FamilySpec {
  // Without the `_total` suffix for counters (added when rendered).
  name: string;
  kind: Kind;
  help: string;
  labels?: readonly string[];
  // Histogram upper bounds, ascending.
  buckets?: readonly number[];
  // For docs: where the figure comes from.
  source: string;
}

type Key = string;
const keyOf = (values: readonly string[]): Key => values.join('\u0000');

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

// One metric family with its series; values are set by the sidecar's collectors.
export class Family {
  readonly values = new Map<Key, number>();
  readonly histograms = new Map<Key, HistogramState>();
  constructor(readonly spec: FamilySpec) {}

  private key(labels: Readonly<Record<string, string>>): Key {
    return keyOf((this.spec.labels ?? []).map((l) => labels[l] ?? ''));
  }

  inc(labels: Readonly<Record<string, string>> = {}, by = 1): void {
    const k = this.key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  set(labels: Readonly<Record<string, string>>, value: number): void {
    this.values.set(this.key(labels), value);
  }

  // Replaces every series at once (a gauge computed from a full scan: series that vanished go away).
  replace(series: readonly [Readonly<Record<string, string>>, number][]): void {
    this.values.clear();
    for (const [l, v] of series) this.set(l, v);
  }

  observe(labels: Readonly<Record<string, string>>, value: number): void {
    const k = this.key(labels);
    const bounds = this.spec.buckets ?? [];
    const h = this.histograms.get(k) ?? { counts: bounds.map(() => 0), sum: 0, count: 0 };
    bounds.forEach((b, i) => {
      if (value <= b) h.counts[i] = (h.counts[i] ?? 0) + 1;
    });
    h.sum += value;
    h.count++;
    this.histograms.set(k, h);
  }
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

function labelText(names: readonly string[], key: Key, extra?: [string, string]): string {
  const values = key === '' && !names.length ? [] : key.split('\u0000');
  const pairs = names.map((n, i) => `${n}="${esc(values[i] ?? '')}"`);
  if (extra) pairs.push(`${extra[0]}="${esc(extra[1])}"`);
  return pairs.length ? `{${pairs.join(',')}}` : '';
}

// Renders the families; `openMetrics` switches to OpenMetrics 1.0 (counter families without _total in TYPE, # EOF).
export function render(families: readonly Family[], openMetrics = false): string {
  const out: string[] = [];
  for (const f of families) {
    const { name, kind, help, labels = [] } = f.spec;
    const sample = kind === 'counter' ? `${name}_total` : name;
    out.push(`# HELP ${openMetrics ? name : sample} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${openMetrics ? name : sample} ${kind}`);
    if (kind === 'histogram') {
      const bounds = f.spec.buckets ?? [];
      for (const [k, h] of f.histograms) {
        bounds.forEach((b, i) => {
          out.push(`${name}_bucket${labelText(labels, k, ['le', num(b)])} ${h.counts[i] ?? 0}`);
        });
        out.push(`${name}_bucket${labelText(labels, k, ['le', '+Inf'])} ${h.count}`);
        out.push(`${name}_sum${labelText(labels, k)} ${num(h.sum)}`);
        out.push(`${name}_count${labelText(labels, k)} ${h.count}`);
      }
      continue;
    }
    for (const [k, v] of f.values) out.push(`${sample}${labelText(labels, k)} ${num(v)}`);
  }
  if (openMetrics) out.push('# EOF');
  return `${out.join('\n')}\n`;
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
