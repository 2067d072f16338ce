// How a cost grows with the work: a curve is a cost measured at several sizes (the median of its runs at each), and
// its growth exponent is the slope of log cost against log size (least squares): 0 is flat, 1 is linear, 2 quadratic.

export interface CurvePoint {
  size: number;
  // Median of the runs at this size.
  value: number;
  runs: number[];
}

export interface Curve {
  // What grows (x) and what it costs (y), as the picture labels them.
  sizeLabel: string;
  valueLabel: string;
  points: CurvePoint[];
  exponent: number;
  // The highest exponent the target allows; the picture draws it as a line through the smallest size.
  maxExponent?: number;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

// One more run's value at a size.
export const addRun = (runs: Map<number, number[]>, size: number, value: number): void => {
  runs.set(size, [...(runs.get(size) ?? []), value]);
};

// The least-squares slope of ln(value) against ln(size); needs at least two sizes with positive values.
export function growthExponent(points: readonly { size: number; value: number }[]): number {
  const p = points.filter((x) => x.size > 0 && x.value > 0).map((x) => [Math.log(x.size), Math.log(x.value)] as const);
  if (p.length < 2) throw new Error(`a growth exponent needs two sizes with positive values, got ${p.length}`);
  const mx = p.reduce((a, [x]) => a + x, 0) / p.length;
  const my = p.reduce((a, [, y]) => a + y, 0) / p.length;
  const sxx = p.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = p.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

// A curve from the runs at each size, rounded as results are stored.
export function curveOf(sizeLabel: string, valueLabel: string, runs: ReadonlyMap<number, readonly number[]>, maxExponent?: number): Curve {
  const round = (v: number) => Number(v.toPrecision(4));
  const points = [...runs].sort(([a], [b]) => a - b).map(([size, r]) => ({ size, value: round(median(r)), runs: r.map(round) }));
  return {
    sizeLabel,
    valueLabel,
    points,
    exponent: Number(growthExponent(points).toFixed(2)),
    ...(maxExponent === undefined ? {} : { maxExponent }),
  };
}
