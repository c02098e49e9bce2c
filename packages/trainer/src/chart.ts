/**
 * A small SVG line-chart writer for the trainer's figures: panels with axes, "nice" ticks, grid, series drawn as
 * lines, dashed lines or dots, and a legend below the axes. Output is plain SVG 1.1 that browsers and resvg render alike.
 */

/** One data series of a panel. */
export interface ChartSeries {
  label: string;
  points: Array<readonly [number, number]>;
  color: string;
  /** `line` (default), `dashed`, or `dots` (markers only). */
  style?: 'line' | 'dashed' | 'dots';
}

/** One panel: axes and the series drawn in them. */
export interface ChartPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Same units per pixel on both axes (phase-plane plots). */
  equalAspect?: boolean;
  /** Only whole numbers on the x axis (epochs). */
  integerX?: boolean;
}

/** Line colours (Tableau 10), distinguishable and print-safe. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Escapes text for SVG. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9 || ticks.length < 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max - 1e-12) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(6)));
}

/** Height of one legend row, in pixels. */
const LEGEND_ROW = 17;
/** Space between the frame and the outermost data, in pixels, so that markers at the edges are drawn whole. */
const INSET = 8;
/** Marker radius of a series with a single point (a one-epoch run): the only way it shows at all. */
const LONE_MARKER = 4.5;

/**
 * Renders `panel` into the rectangle (x, y, width, height) of an SVG; returns the SVG fragment. The legend goes
 * below the axes, clear of the data; the data is drawn inset from the frame so points on the range's ends are
 * whole; a series of one point (a one-epoch run) gets a marker large enough to see.
 */
export function renderPanel(panel: ChartPanel, x: number, y: number, width: number, height: number): string {
  const legendHeight = panel.series.length * LEGEND_ROW + 16;
  const m = { left: 64, right: 16, top: 34, bottom: 46 + legendHeight };
  let pw = width - m.left - m.right;
  let ph = height - m.top - m.bottom;
  const all = panel.series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  let xMin = Math.min(...all.map((p) => p[0]));
  let xMax = Math.max(...all.map((p) => p[0]));
  let yMin = Math.min(...all.map((p) => p[1]));
  let yMax = Math.max(...all.map((p) => p[1]));
  if (!all.length) [xMin, xMax, yMin, yMax] = [0, 1, 0, 1];
  let xt = niceTicks(xMin, xMax, 6);
  if (panel.integerX) {
    const step = Math.max(1, Math.ceil(xt[1] - xt[0]));
    xt = [];
    // One epoch: centred between its neighbours rather than on the frame.
    for (let v = Math.floor(xMin) - (xMin === xMax ? 1 : 0); v < xMax + step; v += step) xt.push(v);
    if (xt.length < 2) xt.push(xt[0] + 1);
  }
  let yt = niceTicks(yMin, yMax, 5);
  let x0 = xt[0], x1 = xt[xt.length - 1], y0 = yt[0], y1 = yt[yt.length - 1];
  let ox = x + m.left;
  let oy = y + m.top;
  if (panel.equalAspect) {
    const scale = Math.min((pw - 2 * INSET) / (x1 - x0), (ph - 2 * INSET) / (y1 - y0));
    // Widen the shorter range so one unit is the same length on both axes, centred.
    const wantX = (pw - 2 * INSET) / scale, wantY = (ph - 2 * INSET) / scale;
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    x0 = cx - wantX / 2; x1 = cx + wantX / 2; y0 = cy - wantY / 2; y1 = cy + wantY / 2;
    xt = niceTicks(x0, x1, 6).filter((t) => t >= x0 && t <= x1);
    yt = niceTicks(y0, y1, 5).filter((t) => t >= y0 && t <= y1);
    pw = (x1 - x0) * scale + 2 * INSET;
    ph = (y1 - y0) * scale + 2 * INSET;
    ox = x + m.left + (width - m.left - m.right - pw) / 2;
    oy = y + m.top + (height - m.top - m.bottom - ph) / 2;
  }
  const sx = (v: number) => ox + INSET + ((v - x0) / (x1 - x0 || 1)) * (pw - 2 * INSET);
  const sy = (v: number) => oy + ph - INSET - ((v - y0) / (y1 - y0 || 1)) * (ph - 2 * INSET);
  const f = (v: number) => v.toFixed(2);
  const out: string[] = [];
  out.push(`<text x="${f(x + width / 2)}" y="${f(y + 20)}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`);
  out.push(`<rect x="${f(ox)}" y="${f(oy)}" width="${f(pw)}" height="${f(ph)}" fill="#ffffff" stroke="#333333" stroke-width="1"/>`);
  for (const t of xt) {
    out.push(`<line x1="${f(sx(t))}" y1="${f(oy)}" x2="${f(sx(t))}" y2="${f(oy + ph)}" stroke="#e5e5e5" stroke-width="1"/>`);
    out.push(`<text x="${f(sx(t))}" y="${f(oy + ph + 16)}" text-anchor="middle" font-size="11">${formatTick(t)}</text>`);
  }
  for (const t of yt) {
    out.push(`<line x1="${f(ox)}" y1="${f(sy(t))}" x2="${f(ox + pw)}" y2="${f(sy(t))}" stroke="#e5e5e5" stroke-width="1"/>`);
    out.push(`<text x="${f(ox - 6)}" y="${f(sy(t) + 4)}" text-anchor="end" font-size="11">${formatTick(t)}</text>`);
  }
  out.push(`<text x="${f(ox + pw / 2)}" y="${f(oy + ph + 36)}" text-anchor="middle" font-size="12">${escapeXml(panel.xLabel)}</text>`);
  out.push(
    `<text x="${f(x + 16)}" y="${f(oy + ph / 2)}" text-anchor="middle" font-size="12" transform="rotate(-90 ${f(x + 16)} ${f(oy + ph / 2)})">${escapeXml(panel.yLabel)}</text>`,
  );
  const clip = `clip${Math.round(x)}_${Math.round(y)}`;
  out.push(`<clipPath id="${clip}"><rect x="${f(ox)}" y="${f(oy)}" width="${f(pw)}" height="${f(ph)}"/></clipPath>`);
  out.push(`<g clip-path="url(#${clip})">`);
  for (const s of panel.series) {
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (s.style === 'dots') {
      for (const [a, b] of pts) out.push(`<circle cx="${f(sx(a))}" cy="${f(sy(b))}" r="2.2" fill="${s.color}" fill-opacity="0.75"/>`);
    } else if (pts.length === 1) {
      out.push(`<circle cx="${f(sx(pts[0][0]))}" cy="${f(sy(pts[0][1]))}" r="${LONE_MARKER}" fill="${s.color}"/>`);
    } else if (pts.length) {
      const dash = s.style === 'dashed' ? ' stroke-dasharray="6 4"' : '';
      const d = pts.map(([a, b]) => `${f(sx(a))},${f(sy(b))}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash} stroke-linejoin="round"/>`);
      if (pts.length <= 60) for (const [a, b] of pts) out.push(`<circle cx="${f(sx(a))}" cy="${f(sy(b))}" r="2.5" fill="${s.color}"/>`);
    }
  }
  out.push('</g>');
  // Legend, below the axes and their label: never over the data.
  const lw = Math.max(...panel.series.map((s) => s.label.length), 4) * 6.6 + 34;
  const lx = ox;
  let ly = oy + ph + 46;
  out.push(`<rect x="${f(lx)}" y="${f(ly)}" width="${f(lw)}" height="${panel.series.length * LEGEND_ROW + 6}" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb"/>`);
  for (const s of panel.series) {
    ly += LEGEND_ROW;
    const lone = s.style !== 'dots' && s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).length === 1;
    const mark =
      s.style === 'dots' || lone
        ? `<circle cx="${f(lx + 15)}" cy="${f(ly - 4)}" r="${lone ? LONE_MARKER : 3}" fill="${s.color}"/>`
        : `<line x1="${f(lx + 5)}" y1="${f(ly - 4)}" x2="${f(lx + 25)}" y2="${f(ly - 4)}" stroke="${s.color}" stroke-width="2"${s.style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`;
    out.push(mark);
    out.push(`<text x="${f(lx + 30)}" y="${f(ly)}" font-size="11">${escapeXml(s.label)}</text>`);
  }
  return out.join('\n');
}

/** A complete SVG document of `width`×`height` with a white background around `body`. */
export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif">\n` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>\n${body}\n</svg>\n`
  );
}
