import type { Curve } from './curves.ts';

// A curve as a log-log SVG (docs/bench/*.svg): the measured medians joined, each run as a faint dot, and the target
// as a dashed line through the smallest size with the highest exponent the target allows. Plain SVG, no script, so
// GitHub renders it; the same result always gives the same bytes (`npm run docs --check`).
const W = 560;
const H = 340;
const PAD = { left: 70, right: 20, top: 40, bottom: 50 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number) => (v >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(3))));

// Whole decades covering [lo, hi], at least one apart.
function decades(lo: number, hi: number): [number, number] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  return [a, b > a ? b : a + 1];
}

export function curveSvg(title: string, curve: Curve): string {
  const pts = curve.points.filter((p) => p.size > 0 && p.value > 0);
  const first = pts[0];
  const last = pts.at(-1);
  if (!first || !last) return '';
  const target =
    curve.maxExponent === undefined ? undefined : (s: number) => first.value * (s / first.size) ** (curve.maxExponent as number);
  const values = [...pts.flatMap((p) => [p.value, ...p.runs.filter((r) => r > 0)]), ...(target ? [target(last.size)] : [])];
  const [x0, x1] = decades(first.size, last.size);
  const [y0, y1] = decades(Math.min(...values), Math.max(...values));
  const x = (s: number) => PAD.left + ((Math.log10(s) - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - ((Math.log10(v) - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const r = (n: number) => n.toFixed(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  for (let d = x0; d <= x1; d++) {
    const px = r(x(10 ** d));
    out.push(`<line x1="${px}" y1="${PAD.top}" x2="${px}" y2="${H - PAD.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${px}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(10 ** d)}</text>`);
  }
  for (let d = y0; d <= y1; d++) {
    const py = r(y(10 ** d));
    out.push(`<line x1="${PAD.left}" y1="${py}" x2="${W - PAD.right}" y2="${py}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${fmt(10 ** d)}</text>`);
  }
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(curve.sizeLabel)} (log)</text>`);
  out.push(
    `<text transform="translate(16 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(curve.valueLabel)} (log)</text>`,
  );
  if (target)
    out.push(
      `<line x1="${r(x(first.size))}" y1="${r(y(first.value))}" x2="${r(x(last.size))}" y2="${r(y(target(last.size)))}" stroke="#c33" stroke-dasharray="6 4"/>`,
      `<text x="${r(x(last.size) - 4)}" y="${r(y(target(last.size)) - 6)}" text-anchor="end" fill="#c33">target: exponent ≤ ${curve.maxExponent}</text>`,
    );
  for (const p of pts)
    for (const v of p.runs.filter((v) => v > 0)) out.push(`<circle cx="${r(x(p.size))}" cy="${r(y(v))}" r="2" fill="#9ab"/>`);
  out.push(
    `<polyline fill="none" stroke="#246" stroke-width="2" points="${pts.map((p) => `${r(x(p.size))},${r(y(p.value))}`).join(' ')}"/>`,
  );
  for (const p of pts) out.push(`<circle cx="${r(x(p.size))}" cy="${r(y(p.value))}" r="4" fill="#246"/>`);
  out.push(`<text x="${PAD.left + 6}" y="${PAD.top + 14}" fill="#246">measured (median): exponent ${curve.exponent}</text>`, '</svg>');
  return `${out.join('\n')}\n`;
}
