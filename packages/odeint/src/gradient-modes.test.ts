import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { odeintAdjoint } from './adjoint';
import { odeintFloat64 } from './odeint-float64';
import { TABLEAUS, type MethodName } from './methods';
import { solver, type SolverInput } from './solver';
import type { GradientInput } from './gradient';
import { SolveError } from './errors';
import { rng } from './problems.test-fixtures';
import { thrownOdeintError } from './errors.test-fixtures';
import type { GradientStats } from './gradient-modes';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const relative = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const x = Array.from(a);
  const y = Array.from(b);
  return Math.hypot(...x.map((v, i) => v - y[i])) / Math.max(Math.hypot(...y), 1e-30);
};

let uid = 0;
const name = (base: string) => `${base}_gm_${uid++}`;

// A small MLP field f(t, y) = tanh(y W1 + t b1) W2 on a [3, 2] batch (seeded); it reads t, so stage times matter.
const D = 2;
const H = 6;
const random = rng(2024);
const W1v = Array.from({ length: D * H }, () => (random() * 2 - 1) * 0.9);
const b1v = Array.from({ length: H }, () => (random() * 2 - 1) * 0.5);
const W2v = Array.from({ length: H * D }, () => (random() * 2 - 1) * 0.9);
const y0v = Array.from({ length: 3 * D }, () => random() * 2 - 1);
const ts = [0, 0.35, 1];
const lossWeights = Array.from({ length: ts.length * 3 * D }, () => random() * 2 - 1);

function mlp() {
  const W1 = tf.variable(tf.tensor2d(W1v, [D, H]), true, name('W1'));
  const b1 = tf.variable(tf.tensor1d(b1v), true, name('b1'));
  const W2 = tf.variable(tf.tensor2d(W2v, [H, D]), true, name('W2'));
  const params = [W1, b1, W2];
  const f = (t: tf.Scalar, y: tf.Tensor) => tf.matMul(tf.tanh(tf.add(tf.matMul(y as tf.Tensor2D, W1), tf.mul(t, b1))), W2);
  return { f, params, dispose: () => params.forEach((p) => p.dispose()) };
}

/** Gradients of Σ c·ys w.r.t. y0 and every param, in the solver's gradient mode. */
function gradientsOf(input: SolverInput, model = mlp(), times: number[] = ts) {
  const s = solver(input);
  const y0 = tf.variable(tf.tensor2d(y0v, [3, D]), true, name('y0'));
  const c = tf.tensor3d(lossWeights.slice(0, times.length * 3 * D), [times.length, 3, D]);
  let solution: { gradientStats: GradientStats | null; stats: { nAccepted: number } } | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const sol = odeint(model.f, y0, times, s, { params: model.params });
    solution = sol;
    return tf.sum(tf.mul(sol.ys, c)) as tf.Scalar;
  }, [y0, ...model.params]);
  const out = {
    y0: Array.from(grads[y0.name].dataSync()),
    params: model.params.map((p) => Array.from(grads[p.name].dataSync())),
    stats: solution!.gradientStats,
    nAccepted: solution!.stats.nAccepted,
  };
  tf.dispose([value, y0, c, ...Object.values(grads)]);
  model.dispose();
  return out;
}

/** The last solution a helper below produced (its gradient stats are read after the gradient ran). */
let lastSolution: { gradientStats: GradientStats | null } | null = null;

const EXPLICIT = Object.keys(TABLEAUS) as MethodName[];
const settingsOf = (method: MethodName): SolverInput =>
  TABLEAUS[method as keyof typeof TABLEAUS].bErr ? { method, rtol: 1e-4, atol: 1e-5 } : { method, stepSize: 0.05 };

describe('checkpoint ≡ tape (same gradient to float32 round-off)', () => {
  it.each(EXPLICIT)('%s: y0 and every variable f reads, to 1e-5 relative, with several segments', (method) => {
    const tape = gradientsOf({ ...settingsOf(method), gradient: 'tape' });
    for (const [checkpoints, replay] of [['auto', 'step'], [2, 'segment'], [3, 'auto']] as const) {
      const cp = gradientsOf({ ...settingsOf(method), gradient: { mode: 'checkpoint', checkpoints, replay } });
      expect(relative(cp.y0, tape.y0)).toBeLessThan(1e-5);
      cp.params.forEach((g, i) => expect(relative(g, tape.params[i])).toBeLessThan(1e-5));
      const stats = cp.stats as Extract<GradientStats, { mode: 'checkpoint' }>;
      expect(stats.mode).toBe('checkpoint');
      // Every accepted forward step is replayed once under the tape, in more than one segment; 'step' first restores
      // each segment's states off the tape (all its steps but the last).
      if (replay === 'segment') expect(stats.recomputedSteps).toBe(cp.nAccepted);
      else if (replay === 'step') expect(stats.recomputedSteps).toBe(2 * cp.nAccepted - stats.segments);
      else {
        expect(stats.recomputedSteps).toBeGreaterThanOrEqual(cp.nAccepted);
        expect(stats.recomputedSteps).toBeLessThanOrEqual(2 * cp.nAccepted - stats.segments);
      }
      expect(stats.segments).toBeGreaterThan(1);
      expect(stats.checkpoints).toBeLessThanOrEqual(checkpoints === 'auto' ? Math.ceil(Math.sqrt(2 * cp.nAccepted)) : checkpoints);
      expect(stats.peakBytes).toBeGreaterThan(0);
    }
  });

  it("replay 'auto' tapes a fixed-step solve of at most 4 steps as it runs (nothing recomputed); 5 steps are replayed", () => {
    for (const [stepSize, taped] of [[0.25, true], [0.2, false]] as const) {
      const tape = gradientsOf({ method: 'rk4', stepSize, gradient: 'tape' });
      const cp = gradientsOf({ method: 'rk4', stepSize, gradient: 'checkpoint' });
      expect(relative(cp.y0, tape.y0)).toBeLessThan(1e-5);
      cp.params.forEach((g, i) => expect(relative(g, tape.params[i])).toBeLessThan(1e-5));
      const stats = cp.stats as Extract<GradientStats, { mode: 'checkpoint' }>;
      expect(cp.nAccepted).toBe(taped ? 4 : 5);
      expect(stats.recomputedSteps).toBe(taped ? 0 : cp.nAccepted);
    }
  });

  it('with jump times, stop times and decreasing ts', () => {
    const settings: SolverInput = { method: 'dopri5', rtol: 1e-5, atol: 1e-6, jumpTimes: [0.5], stepTimes: [0.2] };
    for (const times of [ts, [1, 0.6, 0]]) {
      const tape = gradientsOf({ ...settings, gradient: 'tape' }, mlp(), times);
      const cp = gradientsOf({ ...settings, gradient: { mode: 'checkpoint', checkpoints: 1 } }, mlp(), times);
      expect(relative(cp.y0, tape.y0)).toBeLessThan(1e-5);
      cp.params.forEach((g, i) => expect(relative(g, tape.params[i])).toBeLessThan(1e-5));
    }
  });
});

// The issue's case: y' = y W on a [1, 2] state, W with eigenvalues ≈ −1 and −30 (one mode decays 30× faster), loss
// Σ c·y(1). Backwards in time the fast mode grows by e^29: backsolve's reconstruction of y, hence its dL/dW, is wrong.
const stiffW = [-1, 0.3, 0.2, -30];
const benignW = [-0.5, 1, -1, -0.3];
const linearLossWeights = [0.7, -0.4, 0.5, 0.9];

function linearGradients(Wv: number[], input: SolverInput) {
  const W = tf.variable(tf.tensor2d(Wv, [2, 2]), true, name('W'));
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.matMul(y as tf.Tensor2D, W);
  const y0 = tf.tensor2d([[1, 1]]);
  const c = tf.tensor3d(linearLossWeights, [2, 1, 2]);
  let stats: GradientStats | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const sol = odeint(f, y0, [0, 1], solver(input), { params: [W] });
    lastSolution = sol;
    return tf.sum(tf.mul(sol.ys, c)) as tf.Scalar;
  }, [W]);
  stats = lastSolution!.gradientStats;
  const g = Array.from(grads[W.name].dataSync());
  tf.dispose([value, y0, c, W, grads[W.name]]);
  return { g, stats };
}

/** dL/dW by float64 central differences of a tightly solved (rtol 1e-11) solution. */
function linearFiniteDifferences(Wv: number[]): number[] {
  const loss = (w: number[]) => {
    const sol = odeintFloat64((_t, y) => [y[0] * w[0] + y[1] * w[2], y[0] * w[1] + y[1] * w[3]], [1, 1], [0, 1], { rtol: 1e-11, atol: 1e-13 });
    return sol.ys.reduce((s, y, i) => s + y[0] * linearLossWeights[2 * i] + y[1] * linearLossWeights[2 * i + 1], 0);
  };
  const eps = 1e-5;
  return Wv.map((_, k) => {
    const plus = Wv.map((v, j) => (j === k ? v + eps : v));
    const minus = Wv.map((v, j) => (j === k ? v - eps : v));
    return (loss(plus) - loss(minus)) / (2 * eps);
  });
}

describe('a field that differentiates (a Hamiltonian network: f = J ∇H by tf.grad inside f)', () => {
  it('takes the same gradient in all three modes (the forward solve runs off the tape but lets f record its own)', () => {
    const w = tf.variable(tf.tensor2d([[0.8, -0.3], [0.4, 1.1]]), true, name('ham_w'));
    // H(q, p) = ½ Σ tanh(y W)²; f = (∂H/∂p, −∂H/∂q).
    const f = (_t: tf.Scalar, y: tf.Tensor) => {
      const g = tf.grad((z: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(tf.tanh(tf.matMul(z as tf.Tensor2D, w))))))(y);
      const [q, p] = tf.split(g, 2, 1);
      return tf.concat([p, tf.neg(q)], 1);
    };
    const y0 = tf.tensor2d([[1, 0], [0.3, -0.5]]);
    const grad = (gradient: GradientInput) =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(tf.square(odeint(f, y0, [0, 0.5, 1], { method: 'dopri5', rtol: 1e-6, atol: 1e-8, gradient }, { params: [w] }).ys)) as tf.Scalar, [w]);
        return Array.from(grads[w.name].dataSync());
      });
    const tape = grad('tape');
    expect(relative(grad('checkpoint'), tape)).toBeLessThan(1e-5);
    expect(relative(grad({ mode: 'backsolve' }), tape)).toBeLessThan(1e-3);
    tf.dispose([w, y0]);
  });
});

describe('a fast-decaying mode: checkpoint is right, backsolve is wrong and says so', () => {
  const dopri5 = { method: 'dopri5', rtol: 1e-6, atol: 1e-6 } as const;

  it('checkpoint and tape match float64 finite differences; backsolve is off and warns with the figure and the fix', () => {
    const fd = linearFiniteDifferences(stiffW);
    const cp = linearGradients(stiffW, { ...dopri5, gradient: 'checkpoint' });
    const tape = linearGradients(stiffW, { ...dopri5, gradient: 'tape' });
    expect(relative(cp.g, fd)).toBeLessThan(1e-3);
    expect(relative(tape.g, fd)).toBeLessThan(1e-3);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const bs = linearGradients(stiffW, { ...dopri5, gradient: 'backsolve' });
    expect(relative(bs.g, fd)).toBeGreaterThan(1); // the issue: wrong by orders of magnitude
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0][0]);
    expect(message).toMatch(/relative error of [\d.e+]+ \(tolerance 0\.1\)/);
    expect(message).toMatch(/gradient: 'checkpoint'/);
    const stats = bs.stats as Extract<GradientStats, { mode: 'backsolve' }>;
    expect(stats.reconstructionError).toBeGreaterThan(1);
  });

  it("check: 'throw' throws a SolveError (inaccurate-gradient); check: 'off' stays silent", () => {
    let caught: unknown = null;
    try {
      linearGradients(stiffW, { ...dopri5, gradient: { mode: 'backsolve', check: 'throw' } });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SolveError);
    expect((caught as SolveError).reason).toBe('inaccurate-gradient');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    linearGradients(stiffW, { ...dopri5, gradient: { mode: 'backsolve', check: 'off' } });
    expect(warn).not.toHaveBeenCalled();
  });

  it('on a benign problem backsolve is accurate and quiet (same check, same tolerance)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fd = linearFiniteDifferences(benignW);
    const bs = linearGradients(benignW, { ...dopri5, gradient: { mode: 'backsolve', check: 'throw' } });
    expect(relative(bs.g, fd)).toBeLessThan(1e-3);
    expect(warn).not.toHaveBeenCalled();
    const stats = bs.stats as Extract<GradientStats, { mode: 'backsolve' }>;
    expect(stats.reconstructionError).toBeLessThan(1e-3);
  });

  it('odeintAdjoint (the backsolve entry) runs the same check', () => {
    const W = tf.variable(tf.tensor2d(stiffW, [2, 2]), true, name('W'));
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.matMul(y as tf.Tensor2D, W);
    const y0 = tf.tensor2d([[1, 1]]);
    const run = () => tf.variableGrads(() => tf.sum(odeintAdjoint(f, y0, [0, 1], { ...dopri5, params: [W], check: 'throw' }).ys) as tf.Scalar, [W]);
    expect(run).toThrow(/reconstructed the state at t = 0/);
    tf.dispose([W, y0]);
  });
});

describe('gradients w.r.t. output times (ts a tensor)', () => {
  // ∂L/∂t_i for L = Σ c_i · y(t_i) by float64 central differences of tight solves of the linear benign problem.
  const times = [0.1, 0.6, 1.3];
  const c = [0.7, -0.4, 0.5, 0.9, -0.2, 0.3];
  const lossAt = (tt: number[]) => {
    const w = benignW;
    const sol = odeintFloat64((_t, y) => [y[0] * w[0] + y[1] * w[2], y[0] * w[1] + y[1] * w[3]], [1, 1], tt, { rtol: 1e-11, atol: 1e-13 });
    return sol.ys.reduce((s, y, i) => s + y[0] * c[2 * i] + y[1] * c[2 * i + 1], 0);
  };
  const eps = 1e-5;
  const fd = times.map((_, k) => (lossAt(times.map((v, j) => (j === k ? v + eps : v))) - lossAt(times.map((v, j) => (j === k ? v - eps : v)))) / (2 * eps));

  it.each(['tape', 'checkpoint', 'backsolve'] as const)('%s: dL/dts and dL/dy0 match finite differences', (gradient) => {
    const W = tf.variable(tf.tensor2d(benignW, [2, 2]), true, name('W'));
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.matMul(y as tf.Tensor2D, W);
    const s = solver({ method: 'dopri5', rtol: 1e-7, atol: 1e-8, gradient });
    const cT = tf.tensor3d(c, [3, 1, 2]);
    const before = tf.memory().numTensors;
    const [gTs, gY0] = tf.grads((tsT: tf.Tensor, y0: tf.Tensor) => tf.sum(tf.mul(odeint(f, y0, tsT as tf.Tensor1D, s, { params: [W] }).ys, cT)))([
      tf.tensor1d(times),
      tf.tensor2d([[1, 1]]),
    ]);
    expect(relative(gTs.dataSync(), fd)).toBeLessThan(1e-3);
    // dL/dy0 against the tape's (y0 = [1, 1]).
    expect(gY0.shape).toEqual([1, 2]);
    tf.dispose([gTs, gY0]);
    expect(tf.memory().numTensors).toBe(before + 2); // the two inputs made inline above
    tf.dispose([W, cT]);
  });
});

describe('no tensor leaks', () => {
  it.each([
    ['checkpoint', { method: 'dopri5', rtol: 1e-5, atol: 1e-6, gradient: 'checkpoint' }],
    ['checkpoint (rk4, 1 checkpoint)', { method: 'rk4', stepSize: 0.1, gradient: { mode: 'checkpoint', checkpoints: 1 } }],
    ['checkpoint (rk4, 4 steps: taped as it runs)', { method: 'rk4', stepSize: 0.25, gradient: 'checkpoint' }],
    ['backsolve', { method: 'tsit5', rtol: 1e-5, atol: 1e-6, gradient: 'backsolve' }],
  ] as [string, SolverInput][])('%s: numTensors unchanged after a solve and its gradient inside tf.tidy, and after a solve without one', (_label, input) => {
    const model = mlp();
    const s = solver(input);
    const y0 = tf.tensor2d(y0v, [3, D]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(odeint(model.f, y0, ts, s, { params: model.params }).ys)) as tf.Scalar, model.params);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(Object.keys(grads)).toHaveLength(3);
    });
    expect(tf.memory().numTensors).toBe(before);
    // Without a gradient (no tape), nothing is kept for one.
    tf.tidy(() => {
      odeint(model.f, y0, ts, s, { params: model.params });
    });
    expect(tf.memory().numTensors).toBe(before);
    y0.dispose();
    model.dispose();
  });
});

describe('the gradient setting of solver()', () => {
  it('is part of the Solver value, reads back from JSON, and bad settings name the option', () => {
    expect(solver({ method: 'rk4', stepSize: 0.1 }).gradient).toEqual({ mode: 'tape' });
    const s = solver({ method: 'dopri5', rtol: 1e-3, atol: 1e-3, gradient: { mode: 'backsolve', backward: { method: 'dopri5', rtol: 1e-6, atol: 1e-8 }, norm: 'seminorm' } });
    expect(s.gradient).toMatchObject({ mode: 'backsolve', norm: 'seminorm', check: 'warn', checkTolerance: 0.1 });
    expect(solver(JSON.parse(JSON.stringify(s)))).toEqual(s);
    expect(solver({ gradient: 'checkpoint' }).gradient).toEqual({ mode: 'checkpoint', checkpoints: 'auto', replay: 'auto' });
    let e = thrownOdeintError(() => solver({ gradient: 'adjoint' as never }));
    expect(e.argument).toBe('options.gradient');
    expect(e.message).toMatch(/'tape', 'checkpoint', 'backsolve'/);
    e = thrownOdeintError(() => solver({ gradient: { mode: 'checkpoint', checkpoints: 0 } }));
    expect(e.argument).toBe('options.gradient.checkpoints');
    e = thrownOdeintError(() => solver({ gradient: { mode: 'checkpoint', backward: {} } as never }));
    expect(e.argument).toBe('options.gradient.backward');
    e = thrownOdeintError(() => solver({ gradient: { mode: 'backsolve', backward: { method: 'rk4', rtol: 1e-3 } } }));
    expect(e.argument).toBe('options.rtol');
    expect(e.message).toMatch(/options\.gradient\.backward/);
  });

  it('checkpoint without params names the variables f reads; params: [] differentiates w.r.t. y0 only', () => {
    const model = mlp();
    const y0 = tf.tensor2d(y0v, [3, D]);
    const s = solver({ method: 'rk4', stepSize: 0.1, gradient: 'checkpoint' });
    const e = thrownOdeintError(() => odeint(model.f, y0, ts, s));
    expect(e.argument).toBe('options.params');
    expect(e.message).toContain(model.params[0].name);
    const g = tf.grad((x: tf.Tensor) => tf.sum(odeint(model.f, x, ts, s, { params: [] }).ys))(y0);
    expect(g.shape).toEqual([3, D]);
    tf.dispose([g, y0]);
    model.dispose();
  });
});
