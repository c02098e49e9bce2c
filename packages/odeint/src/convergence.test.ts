import { describe, expect, it } from 'vitest';
import { float64Algebra } from './float64-algebra';
import { integrate } from './integrate';
import { EXPLICIT_METHODS as METHODS, TABLEAUS, methodInfo, type MethodName } from './methods';
import { odeintOptionsSchema } from './options';
import type { Tableau } from './tableau';

// The pendulum y'' = −sin y: non-linear, smooth, and free of the lucky cancellations that scalar test problems
// show for some pairs (tsit5's leading error terms are tiny by design). The reference is dopri8 with 512 fixed
// steps (truncation ~1e-19, roundoff ~1e-15). Orders are measured in float64 in the asymptotic range: the slope over the three smallest
// steps whose error lies in (1e-14, 1e-3).
const f = (_t: number, y: Float64Array) => Float64Array.of(y[1], -Math.sin(y[0]));
const T = 2;
const alg = float64Algebra(2, Float64Array.of(1, 1), Float64Array.of(1, 1), 'rms');
const base = odeintOptionsSchema.parse({ maxSteps: 1e7 });

function solveFixed(tab: Tableau, y0: Float64Array, t0: number, ts: number[], grid: number[] | undefined, stepSize?: number): Float64Array[] {
  const opts = { ...base, grid, stepSize };
  return integrate(alg, f, y0, Float64Array.from([t0, ...ts]), 1, { ...tab, bErr: undefined }, opts, { fn: 'test' }).ys;
}
const reference = (t: number) => solveFixed(TABLEAUS.dopri8, Float64Array.of(1, 0), 0, [t], undefined, t / 512)[1];
const distance = (a: Float64Array, b: Float64Array) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Least-squares slope of log(err) against log(h) over the errors in (lo, hi); `last` keeps only the smallest steps. */
function slope(points: { h: number; err: number }[], lo: number, hi: number, last = Infinity): { slope: number; used: number } {
  const pts = points.filter((p) => p.err > lo && p.err < hi).slice(-last);
  const xs = pts.map((p) => Math.log(p.h));
  const ys = pts.map((p) => Math.log(p.err));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return { slope: num / den, used: pts.length };
}

function globalOrder(tab: Tableau): { slope: number; used: number } {
  const points: { h: number; err: number }[] = [];
  const want = reference(T);
  for (let n = 2; n <= 16384; n *= 2) {
    const err = distance(solveFixed(tab, Float64Array.of(1, 0), 0, [T], undefined, T / n)[1], want);
    points.push({ h: T / n, err });
    if (err < 1e-14) break;
  }
  if (process.env.DEBUG_ORDER) console.log(tab.name, points.map((p) => p.err.toExponential(1)).join(" "));
  return slope(points, 1e-14, 1e-3, 3);
}

const variants = METHODS.flatMap((name) => {
  const tab: Tableau = TABLEAUS[name];
  if (!tab.bErr) return [{ label: `${name}`, tab, order: tab.order }];
  const main: Tableau = { ...tab, bErr: undefined };
  const embedded: Tableau = { ...tab, b: tab.b.map((b, i) => b - (tab.bErr as readonly number[])[i]), bErr: undefined, fsal: false };
  return [
    { label: `${name} (main)`, tab: main, order: tab.order },
    { label: `${name} (embedded)`, tab: embedded, order: tab.embeddedOrder as number },
  ];
});

describe('empirical convergence order (float64)', () => {
  it.each(variants)('$label has order $order ± 0.3', ({ tab, order }) => {
    const { slope: p, used } = globalOrder(tab);
    expect(used).toBeGreaterThanOrEqual(3);
    expect(Math.abs(p - order)).toBeLessThan(0.3);
  });
});

describe('dense output local order (one step, θ = 0.37)', () => {
  // Local error of the interpolant inside one step of size h: O(h^(r+1)), r the order methodInfo states (min of
  // the method's order and 3 for Hermite, 4 for the quartic and tsit5's own, 7 for the extra-stage extensions of
  // dop853 and dopri8). Fitted over all errors in (1e-13, 1e-3); the slope must reach r + 1 − 0.5 (dopri5's
  // interpolant does better than its order before the asymptotic range).
  const interpOrder = (tab: Tableau) => methodInfo(tab.name as MethodName).interpolationOrder!;
  // What issue #15 asked for, whatever methodInfo states: the 8th-order pairs' dense outputs are 7th order.
  const required: Partial<Record<MethodName, number>> = { dop853: 7, dopri8: 7 };
  const t0 = 0.3;
  const y0 = reference(t0);
  it.each(METHODS)('%s', (name) => {
    const tab: Tableau = TABLEAUS[name];
    const points: { h: number; err: number }[] = [];
    for (let h = 0.8; h > 1e-3; h /= 2) {
      const tq = t0 + 0.37 * h;
      const ys = solveFixed(tab, y0, t0, [tq, t0 + h], [t0, t0 + h]);
      points.push({ h, err: distance(ys[1], reference(tq)) });
    }
    const { slope: p, used } = slope(points, 1e-13, 1e-3);
    expect(used).toBeGreaterThanOrEqual(3);
    expect(interpOrder(tab)).toBeGreaterThanOrEqual(required[name] ?? 0);
    expect(p).toBeGreaterThan(interpOrder(tab) + 0.5);
    expect(p).toBeLessThan(interpOrder(tab) + 3);
  });
});
