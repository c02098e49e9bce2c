import { describe, expect, it } from 'vitest';
import { odeint } from './float64';
import { METHODS, methodInfo } from './methods';
import { EXACT_PROBLEMS } from './problems.test-fixtures';

/** Wraps a field to record the time of every evaluation, in order. */
function recordTimes<F extends (t: number, y: Float64Array) => ArrayLike<number>>(f: F) {
  const times: number[] = [];
  return { times, f: ((t: number, y: Float64Array) => (times.push(t), f(t, y))) as F };
}

/**
 * The attempted step sizes of a dopri5 solve, from the times `f` was evaluated at: two evaluations at the start
 * (the first stage and the initial-step estimate), then six per attempted step at t + c·h for c = 1/5, 3/10,
 * 4/5, 8/9, 1, 1 (FSAL), so h = (last − first) / (1 − 1/5).
 */
function attemptedSteps(times: readonly number[]): number[] {
  expect((times.length - 2) % 6).toBe(0);
  const steps: number[] = [];
  for (let i = 2; i < times.length; i += 6) steps.push((times[i + 5] - times[i]) / (4 / 5));
  return steps;
}

// Error bounds: fixed-step methods at h = 1e-3 (euler) / 1e-2 (others) are bounded by a modest multiple of h^order;
// adaptive methods by a multiple of the tolerance (fehlberg2's estimate is its order-1 solution scaled by 1/512, so
// its global error runs far above rtol; kvaerno5's cubic Hermite makes requested times inside a step less accurate
// than the step ends; bdf's global error runs above rtol as scipy's BDF's does).
const TOL = 1e-7;
const adaptiveFactor: Record<string, number> = { fehlberg2: 5e3, 'adaptive-heun': 100, kvaerno5: 1e3, bdf: 100 };

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

  it('per-component tolerances solve to tolerance', () => {
    const p = EXACT_PROBLEMS[0];
    const s = odeint(p.f, p.y0, [0, 2], { rtol: [1e-8, 1e-8, 1e-8], atol: [1e-9, 1e-9, 1e-9] });
    p.exact(2).forEach((v, j) => expect(Math.abs(s.ys[1][j] - v)).toBeLessThan(1e-6));
  });

  it('the PID controller takes a different step sequence than the I controller, still to tolerance', () => {
    const p = EXACT_PROBLEMS[0];
    const run = (controller: 'I' | 'PID') => {
      const calls = recordTimes(p.f);
      const s = odeint(calls.f, p.y0, [0, 2], { controller, rtol: 1e-8, atol: 1e-9 });
      p.exact(2).forEach((v, j) => expect(Math.abs(s.ys[1][j] - v)).toBeLessThan(1e-6));
      return { stats: s.stats, steps: attemptedSteps(calls.times) };
    };
    const i = run('I');
    const pid = run('PID');
    // Same first step (the controller only acts after a step), then a different sequence.
    expect(pid.steps[0]).toBe(i.steps[0]);
    expect(pid.steps).not.toEqual(i.steps);
    expect(pid.stats.nSteps).not.toBe(i.stats.nSteps);
  });

  it('the max norm takes more steps than rms when one component of many carries the error', () => {
    // 100 components, only the first moves: the max norm of the error is √100 = 10× its rms.
    const n = 100;
    const f = (_t: number, y: Float64Array) => {
      const out = new Float64Array(n);
      out[0] = -y[0];
      return out;
    };
    const y0 = new Float64Array(n).fill(1);
    const rms = odeint(f, y0, [0, 2], { norm: 'rms', rtol: 1e-6, atol: 1e-6 });
    const max = odeint(f, y0, [0, 2], { norm: 'max', rtol: 1e-6, atol: 1e-6 });
    expect(max.stats.nAccepted).toBeGreaterThan(rms.stats.nAccepted);
    const error = (s: typeof rms) => Math.abs(s.ys[1][0] - Math.exp(-2));
    expect(error(max)).toBeLessThan(1e-6);
    expect(error(max)).toBeLessThan(error(rms));
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

  it('stepTimes: accepted steps end exactly on the given times, and the solve stays accurate', () => {
    const p = EXACT_PROBLEMS[1];
    const stepTimes = [0.123, 1.234];
    const run = (times: number[]) => {
      const calls = recordTimes(p.f);
      const s = odeint(calls.f, p.y0, [0, 2], { stepTimes: times, rtol: 1e-8, atol: 1e-8 });
      expect(Math.abs(s.ys[1][0] - p.exact(2)[0])).toBeLessThan(1e-6);
      return calls.times;
    };
    // Without them, no evaluation of f falls on these times.
    for (const t of stepTimes) expect(run([])).not.toContain(t);
    const times = run(stepTimes);
    for (const t of stepTimes) {
      // dopri5 evaluates f at the end of every attempted step; the step that ends on t was accepted when every
      // later evaluation lies beyond t (a rejected one would be retried from before t).
      const i = times.indexOf(t);
      expect(i).toBeGreaterThan(0);
      expect(times.slice(i + 1).every((u) => u >= t)).toBe(true);
    }
  });

  it('minStep: a step of minStep is accepted whatever its error, so no step is shorter', () => {
    // rtol = atol = 1e-12 would take ~57 steps on [0, 1]; with minStep = 0.1 every step is forced to 0.1, none
    // is rejected, and the last one (0.1 up to rounding, landing on t = 1) is accepted too.
    const free = odeint((_t, y) => [-y[0]], [1], [0, 1], { rtol: 1e-12, atol: 1e-12 });
    expect(free.stats.nAccepted).toBeGreaterThan(20);
    const s = odeint((_t, y) => [-y[0]], [1], [0, 1], { rtol: 1e-12, atol: 1e-12, minStep: 0.1 });
    expect(s.stats).toMatchObject({ nAccepted: 10, nRejected: 0, firstStep: 0.1 });
    expect(Math.abs(s.ys[1][0] - Math.exp(-1))).toBeLessThan(1e-7);
    // A jump in f: without minStep the steps shrink far below 1e-3 around t = 1; with it, none is shorter.
    const jump = (t: number) => [t < 1 ? 1 : -1];
    const shortest = (minStep: number) => {
      const calls = recordTimes(jump);
      const out = odeint(calls.f, [0], [0, 2], { rtol: 1e-12, atol: 1e-12, minStep });
      expect(Number.isFinite(out.ys[1][0])).toBe(true);
      return Math.min(...attemptedSteps(calls.times));
    };
    expect(shortest(0)).toBeLessThan(1e-4);
    expect(shortest(1e-3)).toBeGreaterThanOrEqual(1e-3 * (1 - 1e-12));
  });

  it('returns ys as new arrays and accepts number[] or Float64Array from f', () => {
    const y0 = new Float64Array([1]);
    const s = odeint((_t, y) => new Float64Array([-y[0]]), y0, [0, 1], { method: 'rk4', stepSize: 0.1 });
    expect(s.ys[0]).not.toBe(y0);
    expect(s.ys[1][0]).toBeCloseTo(Math.exp(-1), 6);
  });
});
