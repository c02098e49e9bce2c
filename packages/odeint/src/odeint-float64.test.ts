import { describe, expect, it } from 'vitest';
import { odeint } from './float64';
import { METHODS, methodInfo } from './methods';
import { EXACT_PROBLEMS } from './problems.test-fixtures';

// Error bounds: fixed-step methods at h = 1e-3 (euler) / 1e-2 (others) are bounded by a modest multiple of h^order;
// adaptive methods by a multiple of the tolerance (fehlberg2's estimate is its order-1 solution scaled by 1/512, so
// its global error runs far above rtol; dopri8 takes long steps and its dense output is only the 4th-order quartic,
// so requested times inside a step are less accurate than the step ends).
const TOL = 1e-7;
const adaptiveFactor: Record<string, number> = { fehlberg2: 5e3, 'adaptive-heun': 100, dopri8: 1e3 };

describe('odeint on float64 arrays: problems with exact solutions', () => {
  for (const method of METHODS) {
    const info = methodInfo(method);
    for (const p of EXACT_PROBLEMS) {
      it(`${method}: ${p.name}, forward and backward in time`, () => {
        for (const dir of [1, -1]) {
          const ts = [0, 0.3, 0.77, 1.5, 2].map((t) => dir * t);
          const h = method === 'euler' ? 1e-3 : 1e-2;
          const sol = odeint(p.f, p.y0, ts, info.adaptive ? { method, rtol: TOL, atol: TOL } : { method, stepSize: h });
          expect(sol.ys).toHaveLength(ts.length);
          expect(Array.from(sol.ys[0])).toEqual(p.y0);
          const bound = info.adaptive ? (adaptiveFactor[method] ?? 20) * TOL : 20 * h ** info.order;
          ts.forEach((t, i) => {
            const want = p.exact(t);
            want.forEach((v, j) => expect(Math.abs(sol.ys[i][j] - v)).toBeLessThan(bound));
          });
          if (info.adaptive) expect(sol.stats.nAccepted).toBeGreaterThan(2);
          else expect(sol.stats.nAccepted).toBe(Math.ceil(2 / h - 1e-8));
        }
      });
    }
  }

  it('dense output: dopri5 at 200 requested times costs no more evaluations than 2', () => {
    const p = EXACT_PROBLEMS[0];
    const many = Array.from({ length: 200 }, (_, i) => (2 * i) / 199);
    const a = odeint(p.f, p.y0, many, { rtol: 1e-8, atol: 1e-8 });
    const b = odeint(p.f, p.y0, [0, 2], { rtol: 1e-8, atol: 1e-8 });
    expect(a.stats.nfe).toBe(b.stats.nfe);
    many.forEach((t, i) => p.exact(t).forEach((v, j) => expect(Math.abs(a.ys[i][j] - v)).toBeLessThan(1e-6)));
  });

  it('dopri5 counts 6 evaluations per attempted step plus 2 at the start (FSAL, Hairer initial step)', () => {
    const p = EXACT_PROBLEMS[0];
    const s = odeint(p.f, p.y0, [0, 2], { rtol: 1e-6, atol: 1e-6 }).stats;
    expect(s.nfe).toBe(6 * s.nSteps + 2);
    expect(s.nSteps).toBe(s.nAccepted + s.nRejected);
  });

  it('uses the given firstStep, respects maxStep, and an explicit grid', () => {
    const p = EXACT_PROBLEMS[1];
    const s1 = odeint(p.f, p.y0, [0, 2], { firstStep: 0.001 });
    expect(s1.stats.firstStep).toBe(0.001);
    const s2 = odeint(p.f, p.y0, [0, 2], { maxStep: 0.05, rtol: 1e-3, atol: 1e-3 });
    expect(s2.stats.nAccepted).toBeGreaterThanOrEqual(40);
    const s2b = odeint(p.f, p.y0, [0, 2], { maxStep: Infinity, rtol: 1e-3, atol: 1e-3 });
    expect(s2b.stats.nAccepted).toBeLessThan(40);
    const grid = [0, 0.5, 0.75, 1, 1.5, 2];
    const s3 = odeint(p.f, p.y0, [0, 2], { method: 'rk4', grid });
    expect(s3.stats.nAccepted).toBe(5);
    expect(s3.stats.nfe).toBe(5 * 4);
  });

  it('per-component tolerances, the PID controller and the max norm solve to tolerance', () => {
    const p = EXACT_PROBLEMS[0];
    for (const opts of [
      { rtol: [1e-8, 1e-8, 1e-8], atol: [1e-9, 1e-9, 1e-9] },
      { controller: 'PID' as const, rtol: 1e-8, atol: 1e-9 },
      { norm: 'max' as const, rtol: 1e-8, atol: 1e-9 },
    ]) {
      const s = odeint(p.f, p.y0, [0, 2], opts);
      p.exact(2).forEach((v, j) => expect(Math.abs(s.ys[1][j] - v)).toBeLessThan(1e-6));
    }
  });

  it('jumpTimes: steps end on a discontinuity of f, which costs fewer rejections and is exact', () => {
    // y' = 1 before t = 1 and −1 after: y(2) = 0 exactly with a step ending on t = 1.
    const f = (t: number) => [t < 1 ? 1 : -1];
    const free = odeint(f, [0], [0, 2], { rtol: 1e-8, atol: 1e-8 });
    const jump = odeint(f, [0], [0, 2], { rtol: 1e-8, atol: 1e-8, jumpTimes: [1] });
    expect(Math.abs(jump.ys[1][0])).toBeLessThan(1e-12);
    expect(jump.stats.nRejected).toBeLessThan(free.stats.nRejected);
    const fixed = odeint(f, [0], [0, 2], { method: 'rk4', stepSize: 0.3, jumpTimes: [1] });
    expect(Math.abs(fixed.ys[1][0])).toBeLessThan(1e-12);
  });

  it('stepTimes: the solve lands on the given times and stays accurate', () => {
    const p = EXACT_PROBLEMS[1];
    const s = odeint(p.f, p.y0, [0, 2], { stepTimes: [0.123, 1.234], rtol: 1e-8, atol: 1e-8 });
    expect(Math.abs(s.ys[1][0] - p.exact(2)[0])).toBeLessThan(1e-6);
  });

  it('minStep: a step at minStep is accepted whatever its error (no underflow error)', () => {
    const s = odeint((t) => [t < 1 ? 1 : -1], [0], [0, 2], { rtol: 1e-12, atol: 1e-12, minStep: 1e-3 });
    expect(Number.isFinite(s.ys[1][0])).toBe(true);
  });

  it('returns ys as new arrays and accepts number[] or Float64Array from f', () => {
    const y0 = new Float64Array([1]);
    const s = odeint((_t, y) => new Float64Array([-y[0]]), y0, [0, 1], { method: 'rk4', stepSize: 0.1 });
    expect(s.ys[0]).not.toBe(y0);
    expect(s.ys[1][0]).toBeCloseTo(Math.exp(-1), 6);
  });
});
