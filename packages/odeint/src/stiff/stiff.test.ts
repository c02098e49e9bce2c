import { describe, expect, it } from 'vitest';
import { odeintFloat64 as odeint } from '../odeint-float64';
import { expm, rng } from '../problems.test-fixtures';
import { thrownOdeintError } from '../errors.test-fixtures';
import { solver } from '../solver';
import { SolveError } from '../errors';
import { finiteDifferenceJacobian } from './problem';
import { luFactor, luSolve } from './linalg';

const STIFF = ['rodas5', 'kvaerno5'] as const;

/** Least-squares slope of log(err) against log(h). */
function slope(hs: number[], errs: number[]): number {
  const x = hs.map(Math.log);
  const y = errs.map(Math.log);
  const mx = x.reduce((a, b) => a + b) / x.length;
  const my = y.reduce((a, b) => a + b) / y.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - mx) * (y[i] - my);
    den += (x[i] - mx) ** 2;
  }
  return num / den;
}

/** Steps of exactly `h` (minStep = maxStep = firstStep accepts every step); tight tolerances keep Newton exact. */
const fixed = (method: (typeof STIFF)[number], h: number) => ({ method, rtol: 1e-13, atol: 1e-13, firstStep: h, minStep: h, maxStep: h });

const robertson = (_t: number, y: Float64Array) => [-0.04 * y[0] + 1e4 * y[1] * y[2], 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1], 3e7 * y[1] * y[1]];
const robertsonJacobian = (_t: number, y: Float64Array) => [
  [-0.04, 1e4 * y[2], 1e4 * y[1]],
  [0.04, -1e4 * y[2] - 6e7 * y[1], -1e4 * y[1]],
  [0, 6e7 * y[1], 0],
];

describe('stiff methods: empirical order', () => {
  // A forced pendulum: non-linear and non-autonomous (so the Rosenbrock ∂f/∂t term is exercised).
  const f = (t: number, y: Float64Array) => [y[1], -Math.sin(y[0]) + 0.1 * Math.cos(t)];
  const ref = odeint(f, [1, 0], [0, 2], { method: 'dopri8', rtol: 1e-14, atol: 1e-14 }).ys[1];
  const hs = [0.2, 0.1, 0.05, 0.025];
  it.each(STIFF)('%s is order 5 on a smooth non-stiff problem', (method) => {
    const errs = hs.map((h) => {
      const y = odeint(f, [1, 0], [0, 2], fixed(method, h)).ys[1];
      return Math.hypot(y[0] - ref[0], y[1] - ref[1]);
    });
    expect(slope(hs, errs)).toBeGreaterThan(4.6);
    expect(slope(hs, errs)).toBeLessThan(5.6);
  });

  // The dense output between step ends: the local error at θ = 1/2 of one step from the exact state. kvaerno5's
  // interpolant is of order 4 over its stages (O(h^5) locally; the cubic Hermite it replaced was O(h^4)), rodas5's
  // its own of order 4.
  it.each(STIFF)('%s dense output: local error O(h^5) mid-step', (method) => {
    const errs = hs.map((h) => {
      const y = odeint(f, [1, 0], [0, h / 2, h], fixed(method, h)).ys[1];
      const exact = odeint(f, [1, 0], [0, h / 2], { method: 'dopri8', rtol: 1e-14, atol: 1e-14 }).ys[1];
      return Math.hypot(y[0] - exact[0], y[1] - exact[1]);
    });
    expect(slope(hs, errs)).toBeGreaterThan(4.6);
  });

  // Prothero–Robinson y' = λ (y − φ(t)) + φ'(t), φ = sin, λ = −1e6: the stiff order (hλ ≫ 1), where methods of low
  // stage order lose order. Rodas5P keeps 3 here, an ESDIRK of stage order 2 keeps 2; both stay tiny.
  const lambda = -1e6;
  const pr = (t: number, y: Float64Array) => [lambda * (y[0] - Math.sin(t)) + Math.cos(t)];
  it.each([
    ['rodas5', 2.7, 1e-10],
    ['kvaerno5', 1.7, 1e-9],
  ] as const)('%s on Prothero–Robinson (λ = −1e6): order ≥ %s, error < %s', (method, order, bound) => {
    const errs = hs.map((h) => Math.abs(odeint(pr, [0], [0, 2], fixed(method, h)).ys[1][0] - Math.sin(2)));
    expect(slope(hs, errs)).toBeGreaterThan(order);
    expect(Math.max(...errs)).toBeLessThan(bound);
  });
});

describe('stiff methods: solutions', () => {
  // y' = A y with eigenvalues −1, −1e3, −1e5 (A = V D V⁻¹, V a seeded well-conditioned matrix): exact by expm.
  const r = rng(7);
  const V = [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? 1 : 0) + 0.3 * (r() - 0.5)));
  const lu = luFactor(Float64Array.from(V.flat()), 3);
  const Vinv = [0, 1, 2].map((j) => Array.from(luSolve(lu, [0, 1, 2].map((i) => (i === j ? 1 : 0)))));
  const D = [-1, -1e3, -1e5];
  const A = V.map((row, i) => Vinv[0].map((_, j) => row.reduce((s, v, k) => s + v * D[k] * Vinv[k][j], 0)));
  const Vinvt = [0, 1, 2].map((i) => [0, 1, 2].map((j) => Vinv[j][i]));
  const lin = (_t: number, y: Float64Array) => A.map((row) => row[0] * y[0] + row[1] * y[1] + row[2] * y[2]);
  const y0 = [1, 2, -1];
  const ts = [0, 0.01, 0.5, 3];
  it.each([...STIFF, 'bdf'] as const)('%s: a linear system with eigenvalues −1, −1e3, −1e5 matches expm(tA) y0', (method) => {
    expect(Vinvt).toHaveLength(3);
    for (const jacobian of [undefined, () => A]) {
      const sol = odeint(lin, y0, ts, { method, rtol: 1e-8, atol: 1e-10, ...(jacobian ? { jacobian } : {}) });
      ts.forEach((t, i) => {
        const E = expm(A.map((row) => row.map((v) => v * t)));
        const want = E.map((row) => row.reduce((s, v, k) => s + v * y0[k], 0));
        want.forEach((w, k) => expect(Math.abs(sol.ys[i][k] - w)).toBeLessThan(1e-6 * (1 + Math.abs(w))));
      });
      // An explicit method would need |h| < ~3e-5 for all 3 time units: 1e5 steps. These take few.
      expect(sol.stats.nAccepted).toBeLessThan(1000);
    }
  });

  it.each([...STIFF, 'bdf'] as const)('%s: Robertson to t = 1e5 conserves y1 + y2 + y3 = 1 and matches the reference', (method) => {
    const ts = [0, 1e-3, 1, 1e2, 1e4, 1e5];
    const sol = odeint(robertson, [1, 0, 0], ts, { method, rtol: 1e-6, atol: 1e-12 });
    for (const y of sol.ys) expect(Math.abs(y[0] + y[1] + y[2] - 1)).toBeLessThan(1e-6);
    // Reference at t = 1e5: rodas5 at rtol 1e-13 (bench/stiff.ts stores the same values).
    expect(Math.abs(sol.ys[5][0] - 0.017865918)).toBeLessThan(2e-7);
    expect(Math.abs(sol.ys[5][1] - 7.2747503e-8) / 7.27e-8).toBeLessThan(1e-4);
    expect(sol.stats.nAccepted).toBeLessThan(400);
  });
});

describe('stiff methods: jump and step times', () => {
  // y' = −y, then −20 y after t = 1: exact e^{−t} until 1, then e^{−1} e^{−20 (t − 1)}; f is evaluated left of the jump
  // at the end of the step that lands on it, and afresh after it.
  const jump = (t: number, y: Float64Array) => [(t < 1 ? -1 : -20) * y[0]];
  const ts = [0, 0.5, 1, 1.2, 1.5];
  const exact = ts.map((t) => (t <= 1 ? Math.exp(-t) : Math.exp(-1 - 20 * (t - 1))));
  it.each([...STIFF, 'auto'] as const)('%s lands on jumpTimes and stepTimes', (method) => {
    const sol = odeint(jump, [1], ts, { method, rtol: 1e-9, atol: 1e-13, jumpTimes: [1], stepTimes: [0.25] });
    sol.ys.forEach((y, i) => expect(Math.abs(y[0] - exact[i]) / exact[i]).toBeLessThan(1e-6));
    // Without the jump time the steps across t = 1 meet the kink and are rejected more often.
    const smeared = odeint(jump, [1], ts, { method, rtol: 1e-9, atol: 1e-13 });
    expect(smeared.stats.nRejected).toBeGreaterThan(sol.stats.nRejected);
  });

  // A stiff relaxation switched on at t = 1: y1 relaxes to 1 in ~1e-5. After the jump the solve starts afresh (a new
  // first step): with the step from before the jump, rodas5 took one step over [1, 10] and its dense output swung
  // around the solution (three false crossings of 0.8, y(1.5) = 0.784).
  it.each([...STIFF, 'auto', 'bdf'] as const)('%s after a jump to a stiff transient: one event, outputs on the solution', (method) => {
    const f = (t: number, y: Float64Array) => [-1e5 * (y[0] - (t < 1 ? 0 : 1)), -0.1 * y[1]];
    const sol = odeint(f, [0, 1], [0, 1.5, 10], { method, rtol: 1e-4, atol: 1e-6, jumpTimes: [1], events: [{ g: (_t, y) => y[0] - 0.8 }] });
    expect(sol.events!.map((e) => e.t)).toEqual([expect.closeTo(1 + Math.log(5) / 1e5, 7)]);
    expect(sol.ys[1][0]).toBeCloseTo(1, 8);
    expect(sol.ys[2][1]).toBeCloseTo(Math.exp(-1), 3);
  });

  // kvaerno5's third stage is at c = 1.23, past the step's end: on a step that lands on a jump it evaluates f left of
  // the jump too (it had evaluated the other side's field: Newton failed until the step underflowed at t ≈ 1). rodas5,
  // with the step from before the jump (no restart), ended 6e-8 off at atol 1e-9.
  it.each(STIFF)('%s never evaluates f past a jump time, even with stages beyond the step', (method) => {
    const calls: number[] = [];
    const f = (t: number, y: Float64Array) => {
      calls.push(t);
      return [-1e8 * (y[0] - (t < 1 ? 0 : 1))];
    };
    const sol = odeint(f, [0], [0, 3], { method, rtol: 1e-6, atol: 1e-9, jumpTimes: [1] });
    expect(sol.ys[1][0]).toBeCloseTo(1, 8);
    // Before the jump every evaluation is left of it: the step that lands on it included.
    const firstRight = calls.findIndex((t) => t >= 1);
    expect(calls.slice(firstRight).every((t) => t >= 1)).toBe(true);
    const ramp = odeint((t) => [t < 1 ? 1 : -1], [0], [0, 1, 2], { method, rtol: 1e-8, atol: 1e-10, jumpTimes: [1] });
    expect(Math.abs(ramp.ys[1][0] - 1)).toBeLessThan(1e-12);
    expect(ramp.stats.nRejected).toBe(0);
  });
});

describe('stiff methods: Jacobians', () => {
  it('finite differences agree with the analytic Robertson Jacobian', () => {
    const y = Float64Array.of(0.7, 2e-5, 0.3);
    const fd = finiteDifferenceJacobian((t, v) => Float64Array.from(robertson(t, v)), 0, y, Float64Array.from(robertson(0, y)));
    const exact = robertsonJacobian(0, y).flat();
    exact.forEach((v, k) => expect(Math.abs(fd[k] - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  });

  it.each([...STIFF, 'bdf'] as const)('%s: the user Jacobian and finite differences give the same solution; each finite-difference Jacobian costs n = 3 evaluations', (method) => {
    const o = { method, rtol: 1e-6, atol: 1e-12 } as const;
    const a = odeint(robertson, [1, 0, 0], [0, 40], o);
    const b = odeint(robertson, [1, 0, 0], [0, 40], { ...o, jacobian: robertsonJacobian });
    // A flat row-major Jacobian is read the same way.
    const c = odeint(robertson, [1, 0, 0], [0, 40], { ...o, jacobian: (t, y) => robertsonJacobian(t, y).flat() });
    expect(Array.from(c.ys[1])).toEqual(Array.from(b.ys[1]));
    a.ys[1].forEach((v, k) => expect(Math.abs(v - b.ys[1][k])).toBeLessThan(1e-6 * Math.abs(v) + 1e-11));
    expect(a.stats.njev).toBeGreaterThan(0);
    expect(b.stats.njev).toBeGreaterThan(0);
    // Same steps (to rounding) means the difference in f evaluations is the finite differences'.
    if (a.stats.nSteps === b.stats.nSteps && a.stats.njev === b.stats.njev) expect(a.stats.nfe - b.stats.nfe).toBe(3 * a.stats.njev!);
  });

  it('a Jacobian of the wrong shape, or a non-finite entry, is an OdeintError naming options.jacobian', () => {
    const e1 = thrownOdeintError(() => odeint(robertson, [1, 0, 0], [0, 1], { method: 'rodas5', jacobian: () => [[1, 2]] }));
    expect(e1.argument).toBe('options.jacobian');
    expect(e1.message).toMatch(/3 rows of 3 numbers/);
    const e2 = thrownOdeintError(() => odeint(robertson, [1, 0, 0], [0, 1], { method: 'kvaerno5', jacobian: () => [NaN, 0, 0, 0, 0, 0, 0, 0, 0] }));
    expect(e2.message).toMatch(/entry \[0\]\[0\] = NaN/);
  });
});

describe('bdf', () => {
  it('takes the steps, orders, Jacobians and LUs of scipy 1.10 BDF on Robertson (rtol 1e-6, atol 1e-8)', () => {
    // scipy 1.10.1 solve_ivp(method='BDF') on the same problem (bench:stiff): njev 10, nlu 64, and 860 calls of f
    // counted at the function (its nfev, 819, leaves out the finite-difference Jacobians' 4 calls each).
    const s = odeint(robertson, [1, 0, 0], [0, 1e5], { method: 'bdf', rtol: 1e-6, atol: 1e-8 }).stats;
    expect(s.njev).toBe(10);
    expect(s.nlu).toBe(64);
    expect(Math.abs(s.nfe - 860)).toBeLessThanOrEqual(3);
  });

  it('error falls with the tolerance on HIRES; steps land on jump times and restart there', () => {
    const hires = (_t: number, y: Float64Array) => [
      -1.71 * y[0] + 0.43 * y[1] + 8.32 * y[2] + 0.0007,
      1.71 * y[0] - 8.75 * y[1],
      -10.03 * y[2] + 0.43 * y[3] + 0.035 * y[4],
      8.32 * y[1] + 1.71 * y[2] - 1.12 * y[3],
      -1.745 * y[4] + 0.43 * y[5] + 0.43 * y[6],
      -280 * y[5] * y[7] + 0.69 * y[3] + 1.71 * y[4] - 0.43 * y[5] + 0.69 * y[6],
      280 * y[5] * y[7] - 1.81 * y[6],
      -280 * y[5] * y[7] + 1.81 * y[6],
    ];
    const ref = [0.0007371312573324916, 0.0001442485726316037, 0.00005888729740966176, 0.0011756513432830105, 0.002386356198829071, 0.006238968252735585, 0.002849998395184309, 0.0028500016048157465];
    const errs = [1e-4, 1e-6, 1e-8].map((rtol) => {
      const y = odeint(hires, [1, 0, 0, 0, 0, 0, 0, 0.0057], [0, 321.8122], { method: 'bdf', rtol, atol: rtol * 1e-2 }).ys[1];
      return Math.max(...ref.map((r, i) => Math.abs(y[i] - r) / r));
    });
    expect(errs[1]).toBeLessThan(errs[0] / 10);
    expect(errs[2]).toBeLessThan(errs[1] / 10);
    // y' = −y, then −20 y after t = 1: exact e^{−1} e^{−20 (t − 1)}.
    const jump = (t: number, y: Float64Array) => [(t < 1 ? -1 : -20) * y[0]];
    const sol = odeint(jump, [1], [0, 0.5, 1, 1.2], { method: 'bdf', rtol: 1e-8, atol: 1e-12, jumpTimes: [1] });
    const exact = [1, Math.exp(-0.5), Math.exp(-1), Math.exp(-1 - 20 * 0.2)];
    sol.ys.forEach((y, i) => expect(Math.abs(y[0] - exact[i]) / exact[i]).toBeLessThan(1e-5));
  });

  it('controller settings do not apply to bdf', () => {
    expect(thrownOdeintError(() => solver({ method: 'bdf', controller: 'PID' })).argument).toBe('options.controller');
    expect(solver({ method: 'bdf', rtol: 1e-6, safety: 0.8 }).method).toBe('bdf');
  });
});

describe('stiff methods: settings and counters', () => {
  it('jacobian is a setting of the stiff methods only', () => {
    const e = thrownOdeintError(() => solver({ method: 'dopri5', jacobian: () => [[0]] }));
    expect(e.argument).toBe('options.jacobian');
    expect(e.message).toMatch(/rodas5/);
    expect(solver({ method: 'rodas5', rtol: 1e-6 }).stepping).toBe('adaptive');
    expect(thrownOdeintError(() => solver({ method: 'kvaerno5', stepSize: 0.1 })).argument).toBe('options.stepSize');
    expect(thrownOdeintError(() => solver({ method: 'rodas5', jacobian: 3 as never })).argument).toBe('options.jacobian');
  });

  it('rodas5: one LU per attempted step, 8 solves per LU, one Jacobian per accepted point', () => {
    const s = odeint(robertson, [1, 0, 0], [0, 1e3], { method: 'rodas5', rtol: 1e-5, atol: 1e-11 }).stats;
    expect(s.nlu).toBe(s.nSteps);
    expect(s.nsolve).toBe(8 * s.nSteps);
    expect(s.njev).toBe(s.nAccepted);
    expect(s.nRejected).toBe(s.nRejectedError! + s.nRejectedConvergence!);
    expect(s.nNewton).toBe(0);
  });

  it('kvaerno5 reuses the Jacobian across steps and the LU across stages and iterations, and counts Newton failures as rejections', () => {
    const vdp = (_t: number, y: Float64Array) => [y[1], 1000 * (1 - y[0] * y[0]) * y[1] - y[0]];
    const s = odeint(vdp, [2, 0], [0, 1000], { method: 'kvaerno5', rtol: 1e-5, atol: 1e-5 }).stats;
    expect(s.njev!).toBeLessThan(s.nAccepted);
    expect(s.nlu!).toBeLessThan(s.nsolve! / 10);
    expect(s.nNewton!).toBeGreaterThan(6 * s.nAccepted);
    expect(s.nRejectedConvergence!).toBeGreaterThan(0);
    expect(s.nRejected).toBe(s.nRejectedError! + s.nRejectedConvergence!);
  });
});

describe('stiff methods: events and dense solutions (float64)', () => {
  const METHODS = ['rodas5', 'kvaerno5', 'auto', 'bdf'] as const;
  // bdf's errors are 10–100× the one-step methods' at the same rtol (as scipy's BDF: bench:stiff), its events' too.
  const loose = (method: (typeof METHODS)[number]) => (method === 'bdf' ? 10 : 1);
  const half = { g: (_t: number, y: Float64Array) => y[0] - 0.5, terminal: true };
  const tight = { method: 'rodas5', rtol: 1e-12, atol: 1e-16 } as const;

  it.each(METHODS)('%s: a terminal event on Robertson (y1 = 1/2 at t ≈ 268) and the dense solution up to it', (method) => {
    const sol = odeint(robertson, [1, 0, 0], [0, 10, 1e5], { method, rtol: 1e-8, atol: 1e-12, dense: true, events: [half] });
    const ref = odeint(robertson, [1, 0, 0], [0, 1e5], { ...tight, events: [half] }).events![0];
    expect(sol.events).toHaveLength(1);
    const ev = sol.events![0];
    expect(Math.abs(ev.t - ref.t) / ref.t).toBeLessThan(1e-7 * loose(method));
    expect(Math.abs(ev.y[0] - 0.5)).toBeLessThan(1e-12);
    // The outputs stop at the event; the dense solution spans [0, t_event].
    expect(sol.ys).toHaveLength(2);
    expect(sol.dense!.span).toEqual([0, ev.t]);
    const at = [0.003, 1, 37.5, 200];
    const refs = odeint(robertson, [1, 0, 0], [0, ...at], tight).ys.slice(1);
    sol.evaluate!(at).forEach((y, i) => y.forEach((v, k) => expect(Math.abs(v - refs[i][k])).toBeLessThan(1e-10 + 1e-6 * Math.abs(refs[i][k]))));
  });

  // A forced stiff problem (Prothero–Robinson): y = cos t − e^{λt}. Stiffly accurate steps get every step end right
  // whatever the step, so the step-end estimates allowed steps of ~5 over cos t; the dense output between them missed
  // by 0.12 (rodas5) to 0.38 (kvaerno5), and the crossings of 0 by up to 0.26. The dense output's defect now limits
  // the steps where the solve reads it.
  it.each(METHODS)('%s: outputs and events between the steps of a forced stiff problem (λ = −1e5)', (method) => {
    const lambda = -1e5;
    const pr = (t: number, y: Float64Array) => [lambda * (y[0] - Math.cos(t)) - Math.sin(t)];
    const ts = Array.from({ length: 201 }, (_, i) => i / 20);
    const sol = odeint(pr, [0], ts, { method, rtol: 1e-4, atol: 1e-6, events: [{ g: (_t, y) => y[0] }] });
    const worst = Math.max(...sol.ys.map((y, i) => Math.abs(y[0] - (Math.cos(ts[i]) - Math.exp(lambda * ts[i])))));
    expect(worst).toBeLessThan(2e-3);
    expect(sol.events!.map((e) => e.t)).toHaveLength(3);
    sol.events!.forEach((e, i) => expect(Math.abs(e.t - (i + 0.5) * Math.PI)).toBeLessThan(5e-4));
  });

  it.each(METHODS)('%s: the zero crossings of Van der Pol (μ = 1000) over [0, 3000], one per relaxation jump', (method) => {
    const vdp = (_t: number, y: Float64Array) => [y[1], 1000 * (1 - y[0] * y[0]) * y[1] - y[0]];
    const cross = { g: (_t: number, y: Float64Array) => y[0] };
    const sol = odeint(vdp, [2, 0], [0, 3000], { method, rtol: 1e-6, atol: 1e-6, events: [cross] });
    const ref = odeint(vdp, [2, 0], [0, 3000], { ...tight, atol: 1e-12, events: [cross] }).events!;
    expect(ref.map((e) => Math.round(e.t))).toEqual([807, 1614, 2421]);
    expect(sol.events!.map((e) => e.t)).toHaveLength(3);
    // The jumps take ~0.01 of time; their times are as accurate as the phase (rtol 1e-6 over ~2000 time units).
    sol.events!.forEach((e, i) => expect(Math.abs(e.t - ref[i].t)).toBeLessThan(0.05 * loose(method)));
  });

});

describe('dense LU', () => {
  it('solves a seeded random system and flags a singular one', () => {
    const r = rng(3);
    const n = 6;
    const a = Float64Array.from({ length: n * n }, () => r() - 0.5);
    const x = Float64Array.from({ length: n }, () => r());
    const b = Array.from({ length: n }, (_, i) => x.reduce((s, v, j) => s + a[i * n + j] * v, 0));
    const got = luSolve(luFactor(a, n), b);
    got.forEach((v, i) => expect(Math.abs(v - x[i])).toBeLessThan(1e-12));
    expect(luFactor(Float64Array.of(1, 2, 2, 4), 2).singular).toBe(true);
  });
});

describe("method: 'auto' and the advice of a failed explicit solve", () => {
  const vdp = (_t: number, y: Float64Array) => [y[1], 1000 * (1 - y[0] * y[0]) * y[1] - y[0]];
  const oscillator = (_t: number, y: Float64Array) => [y[1], -y[0]];

  it('switches to rodas5 on Robertson, and stays on tsit5 (no Jacobian) on a non-stiff oscillator', () => {
    const r = odeint(robertson, [1, 0, 0], [0, 1e5], { method: 'auto', rtol: 1e-6, atol: 1e-12 });
    expect(Math.abs(r.ys[1][0] - 0.017865918)).toBeLessThan(2e-7);
    expect(r.stats.nSwitches).toBeGreaterThanOrEqual(1);
    expect(r.stats.nStiffSteps!).toBeGreaterThan(0.5 * r.stats.nAccepted);
    const o = odeint(oscillator, [1, 0], [0, 1, 10], { method: 'auto', rtol: 1e-8, atol: 1e-8 });
    expect(o.stats.nSwitches).toBe(0);
    expect(o.stats.njev).toBe(0);
    const t = odeint(oscillator, [1, 0], [0, 1, 10], { method: 'tsit5', rtol: 1e-8, atol: 1e-8 });
    expect(o.stats.nAccepted).toBe(t.stats.nAccepted);
    o.ys.forEach((y, i) => y.forEach((v, k) => expect(Math.abs(v - t.ys[i][k])).toBeLessThan(1e-12)));
  });

  it('switches back and forth on Van der Pol (μ = 1000): stiff on the slow branches, explicit through the jumps', () => {
    const v = odeint(vdp, [2, 0], [0, 3000], { method: 'auto', rtol: 1e-6, atol: 1e-6 });
    expect(v.stats.nSwitches!).toBeGreaterThanOrEqual(3);
    expect(Math.abs(v.ys[1][0] - -1.5106)).toBeLessThan(1e-3);
  });

  it('dopri5 stopped by maxSteps on a stiff problem says so and names rodas5 and auto; on a long non-stiff one it does not', () => {
    let e: unknown;
    try {
      odeint(vdp, [2, 0], [0, 3000], { method: 'dopri5', maxSteps: 3000 });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(SolveError);
    expect((e as SolveError).reason).toBe('max-steps');
    expect((e as SolveError).message).toMatch(/looks stiff.*'rodas5'.*'auto'/);
    try {
      odeint(oscillator, [1, 0], [0, 1e4], { method: 'dopri5', maxSteps: 3000 });
    } catch (err) {
      e = err;
    }
    expect((e as SolveError).reason).toBe('max-steps');
    expect((e as SolveError).message).not.toMatch(/stiff/);
    expect((e as SolveError).message).toMatch(/Fix: raise maxSteps/);
  });
});
