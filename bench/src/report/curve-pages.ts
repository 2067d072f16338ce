import { curveSvg } from './curve-svg.ts';
import type { Curve } from './curves.ts';

type Result = Record<string, unknown>;

const isCurve = (c: unknown): c is Curve =>
  !!c && typeof c === 'object' && Array.isArray((c as Curve).points) && typeof (c as Curve).exponent === 'number';

// The curves of one result (its `curves` object), by name.
export const curvesOf = (data: Result): [string, Curve][] =>
  Object.entries((data.curves as Record<string, unknown> | undefined) ?? {}).filter((e): e is [string, Curve] => isCurve(e[1]));

// Where a curve's picture lives, relative to docs/.
export const curveFile = (bench: string, name: string): string => `bench/${bench}-${name}.svg`;

// Every curve of every result as a picture: docs/<curveFile> and its SVG text.
export function curvePages(results: readonly { data: Result }[]): { file: string; text: string }[] {
  return results.flatMap(({ data }) => {
    const bench = String(data.bench);
    return curvesOf(data).map(([name, c]) => ({ file: curveFile(bench, name), text: curveSvg(`${bench}: ${c.valueLabel}`, c) }));
  });
}
