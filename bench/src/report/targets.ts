// A bound one figure of a result must meet: the figure's dotted path (as `figures` names it) and the limit.
export interface Target {
  figure: string;
  atMost?: number;
  atLeast?: number;
  unit?: string;
}

// Shorthands for the catalog: the figure must be at least / at most n.
export const atLeast = (figure: string, n: number, unit?: string): Target => ({ figure, atLeast: n, ...(unit ? { unit } : {}) });
export const atMost = (figure: string, n: number, unit?: string): Target => ({ figure, atMost: n, ...(unit ? { unit } : {}) });

// A target applied to a result: the measured value beside what it had to be.
export interface Verdict {
  figure: string;
  value: number | undefined;
  target: string;
  met: boolean;
}

// The value at a dotted path of a result (latencyMs.p50), when it is a number.
export function valueAt(result: unknown, path: string): number | undefined {
  const v = path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), result);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

// A target's bounds as people read them: `≥ 0.9`, `≤ 3×`.
export const bounds = (t: Target): string =>
  [
    ...(t.atLeast === undefined ? [] : [`≥ ${t.atLeast}${t.unit ?? ''}`]),
    ...(t.atMost === undefined ? [] : [`≤ ${t.atMost}${t.unit ?? ''}`]),
  ].join(' and ');

// Each target against the result; a figure the result lacks never counts as met.
export function judge(result: unknown, targets: readonly Target[]): Verdict[] {
  return targets.map((t) => {
    const value = valueAt(result, t.figure);
    const met = value !== undefined && (t.atLeast === undefined || value >= t.atLeast) && (t.atMost === undefined || value <= t.atMost);
    return { figure: t.figure, value, target: bounds(t), met };
  });
}

// One printed line: the figure, its value, its target, and whether it was met.
export const formatVerdict = (v: Verdict): string =>
  `${v.figure} ${v.value ?? 'missing'} (target ${v.target}): ${v.met ? 'met' : 'MISSED'}`;
