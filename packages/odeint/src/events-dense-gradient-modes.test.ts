import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { odeintAdjoint } from './adjoint';
import { solver, type SolverInput } from './solver';
import type { OdeintTensorSolution } from './gradient-modes';
import { rng } from './problems.test-fixtures';

// Events and dense output in the checkpoint and backsolve gradient modes, against the tape (#15 with #13).

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const relative = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const x = Array.from(a);
  const y = Array.from(b);
  return Math.hypot(...x.map((v, i) => v - y[i])) / Math.max(Math.hypot(...y), 1e-30);
};

let uid = 0;
const name = (base: string) => `${base}_edgm_${uid++}`;

// A damped rotation with a small seeded MLP on top, on a [1, 2] state: y' = k (y A + tanh(y W1 + t b1) W2). It reads
// t, so stage times matter; k is a scalar parameter for finite differences.
const H = 5;
const random = rng(1515);
const W1v = Array.from({ length: 2 * H }, () => (random() * 2 - 1) * 0.8);
const b1v = Array.from({ length: H }, () => (random() * 2 - 1) * 0.5);
const W2v = Array.from({ length: H * 2 }, () => (random() * 2 - 1) * 0.3);
const Av = [-0.1, 1, -1, -0.1];
const y0v = [1, 0.2];

function model() {
  const W1 = tf.variable(tf.tensor2d(W1v, [2, H]), true, name('W1'));
  const b1 = tf.variable(tf.tensor1d(b1v), true, name('b1'));
  const W2 = tf.variable(tf.tensor2d(W2v, [H, 2]), true, name('W2'));
  const k = tf.variable(tf.scalar(1), true, name('k'));
  const A = tf.tensor2d(Av, [2, 2]);
  const params = [W1, b1, W2, k];
  const f = (t: tf.Scalar, y: tf.Tensor) => tf.mul(k, tf.add(tf.matMul(y as tf.Tensor2D, A), tf.matMul(tf.tanh(tf.add(tf.matMul(y as tf.Tensor2D, W1), tf.mul(t, b1))), W2)));
  return { f, params, k, dispose: () => tf.dispose([...params, A]) };
}

// The first component crossing 0.1·t downwards (g reads t too: ∂g/∂t enters the time's gradient).
const g = (t: tf.Scalar, y: tf.Tensor) => tf.sub(tf.gather(tf.reshape(y, [-1]), 0), tf.mul(0.1, t)) as tf.Scalar;
const TOL = { rtol: 1e-7, atol: 1e-9 };

/** Gradients of `loss(solution)` w.r.t. y0 and every parameter, in the given settings' gradient mode. */
function gradients(input: SolverInput, loss: (sol: OdeintTensorSolution) => tf.Scalar, ts: number[] = [0, 0.7, 3]) {
  const m = model();
  const s = solver(input);
  const y0 = tf.variable(tf.tensor2d(y0v, [1, 2]), true, name('y0'));
  let sol: OdeintTensorSolution | null = null;
  const { value, grads } = tf.variableGrads(() => {
    sol = odeint(m.f, y0, ts, s, { params: m.params });
    return loss(sol);
  }, [y0, ...m.params]);
  const out = { value: value.dataSync()[0], all: [y0, ...m.params].flatMap((p) => Array.from(grads[p.name].dataSync())), sol: sol! };
  tf.dispose([value, y0, ...Object.values(grads)]);
  m.dispose();
  return out;
}

/** The first event's time as a number, after perturbing k (float32 solve; finite differences need no gradient). */
function eventTimeAt(input: SolverInput, k: number): number {
  const m = model();
  m.k.assign(tf.scalar(k));
  const t = tf.tidy(() => odeint(m.f, tf.tensor2d(y0v, [1, 2]), [0, 3], input, { params: m.params }).events![0].t);
  m.dispose();
  return t;
}

const MODES = [
  ['checkpoint', 'checkpoint' as const],
  ['backsolve', { mode: 'backsolve' as const, check: 'off' as const }],
] as const;

describe.each(MODES)('events and dense output with gradient %s (against the tape)', (_label, gradient) => {
  const event = { g, direction: -1 as const };

  it('the event time: its gradient w.r.t. y0 and every parameter is the tape’s, and ∂t*/∂k matches finite differences', () => {
    const loss = (sol: OdeintTensorSolution) => sol.events![0].time;
    const tape = gradients({ ...TOL, events: [event] }, loss);
    const mode = gradients({ ...TOL, events: [event], gradient }, loss);
    expect(mode.sol.events).toHaveLength(tape.sol.events!.length);
    expect(mode.value).toBe(tape.value);
    expect(relative(mode.all, tape.all)).toBeLessThan(1e-4);
    const eps = 1e-3;
    const fd = (eventTimeAt({ ...TOL, events: [event] }, 1 + eps) - eventTimeAt({ ...TOL, events: [event] }, 1 - eps)) / (2 * eps);
    const dk = mode.all[mode.all.length - 1];
    expect(Math.abs(dk - fd)).toBeLessThan(1e-3 * Math.abs(fd));
  });

  it('the event state: a loss on it has the tape’s gradient', () => {
    const w = tf.tensor1d([0.7, -1.3]);
    const loss = (sol: OdeintTensorSolution) => tf.sum(tf.mul(sol.events![0].y, w)) as tf.Scalar;
    const tape = gradients({ ...TOL, events: [event] }, loss);
    const mode = gradients({ ...TOL, events: [event], gradient }, loss);
    expect(mode.value).toBeCloseTo(tape.value, 6);
    expect(relative(mode.all, tape.all)).toBeLessThan(1e-4);
    w.dispose();
  });

  it('ys with a non-terminal event: every output, and the event time in the same loss, have the tape’s gradient', () => {
    const c = tf.tensor3d([0.3, -0.5, 1.1, 0.9, -0.4, 0.6], [3, 1, 2]);
    const loss = (sol: OdeintTensorSolution) => tf.add(tf.sum(tf.mul(sol.ys, c)), sol.events![0].time) as tf.Scalar;
    const tape = gradients({ ...TOL, events: [event] }, loss);
    const mode = gradients({ ...TOL, events: [event], gradient }, loss);
    expect(mode.sol.ys.shape).toEqual([3, 1, 2]);
    expect(mode.sol.events![0].t).toBeGreaterThan(0.7);
    expect(mode.sol.events![0].t).toBeLessThan(3);
    expect(relative(mode.all, tape.all)).toBeLessThan(1e-4);
    c.dispose();
  });

  it('evaluate at random times: values from the kept steps, gradient the tape’s', () => {
    const rand = rng(99);
    const times = Array.from({ length: 6 }, () => 3 * rand());
    const w = tf.tensor3d(Array.from({ length: 12 }, () => rand() * 2 - 1), [6, 1, 2]);
    const loss = (sol: OdeintTensorSolution) => tf.sum(tf.mul(sol.evaluate!(times), w)) as tf.Scalar;
    const tape = gradients({ ...TOL, dense: true }, loss);
    const mode = gradients({ ...TOL, dense: true, gradient }, loss);
    expect(mode.value).toBeCloseTo(tape.value, 6);
    expect(relative(mode.all, tape.all)).toBeLessThan(1e-4);
    expect(mode.sol.dense!.steps).toBe(mode.sol.stats.nAccepted);
    expect(mode.sol.gradientStats?.mode).toBe(typeof gradient === 'string' ? gradient : gradient.mode);
    // A single time gives one state; its gradient too is the tape's.
    const one = (sol: OdeintTensorSolution) => tf.sum(sol.evaluate!(1.9)) as tf.Scalar;
    expect(relative(gradients({ ...TOL, dense: true, gradient }, one).all, gradients({ ...TOL, dense: true }, one).all)).toBeLessThan(1e-4);
    w.dispose();
  });

  it('a terminal event backward in time: ys up to the event, and the event time’s gradient is the tape’s', () => {
    // From t = 3 back to 0: the first component rises through 0.1·t going backwards.
    const back = { g, direction: 0 as const, terminal: true };
    const ts = [3, 2.5, 1, 0];
    const loss = (sol: OdeintTensorSolution) => tf.add(sol.events![0].time, tf.sum(sol.ys)) as tf.Scalar;
    const tape = gradients({ ...TOL, events: [back] }, loss, ts);
    const mode = gradients({ ...TOL, events: [back], gradient }, loss, ts);
    const ev = mode.sol.events![0];
    expect(ev.terminal).toBe(true);
    expect(ev.t).toBeLessThan(3);
    expect(ev.t).toBeGreaterThan(0);
    const kept = ts.filter((t) => t >= ev.t).length;
    expect(mode.sol.ys.shape).toEqual([kept, 1, 2]);
    expect(tape.sol.ys.shape).toEqual([kept, 1, 2]);
    expect(relative(mode.all, tape.all)).toBeLessThan(1e-4);
  });
});

describe('checkpoint with fixed steps (rk4)', () => {
  // 60 steps replayed from checkpoints, and 4 steps taped as they run (replay 'auto' on a short fixed-step solve).
  it.each([0.05, 0.75])('stepSize %s: event time, event state and evaluate have the tape’s gradient', (stepSize) => {
    const events = [{ g, direction: -1 as const }];
    const loss = (sol: OdeintTensorSolution) => tf.addN([sol.events![0].time, tf.sum(sol.events![0].y), tf.sum(sol.evaluate!([0.3, 2.9, 1.1])), tf.sum(sol.ys)]) as tf.Scalar;
    const tape = gradients({ method: 'rk4', stepSize, events, dense: true }, loss, [0, 3]);
    const mode = gradients({ method: 'rk4', stepSize, events, dense: true, gradient: 'checkpoint' }, loss, [0, 3]);
    expect(mode.sol.events).toHaveLength(1);
    expect(mode.sol.gradientStats?.mode).toBe('checkpoint');
    expect(relative(mode.all, tape.all)).toBeLessThan(1e-4);
  });
});

describe('the cost of evaluate’s gradient', () => {
  it('checkpoint replays only the steps up to the latest time evaluated', () => {
    const loss = (sol: OdeintTensorSolution) => tf.sum(sol.evaluate!([0.52, 0.1])) as tf.Scalar;
    const mode = gradients({ method: 'rk4', stepSize: 0.05, dense: true, gradient: 'checkpoint' }, loss, [0, 3]);
    expect(mode.sol.stats.nAccepted).toBe(60);
    const stats = mode.sol.gradientStats as { recomputedSteps: number; recomputedNfe: number };
    // Steps starting at 0, 0.05, …, 0.5: 11 of 60, each replayed once (4 evaluations of f), and f(t1, y1) once for
    // rk4's cubic Hermite interpolant at 0.52 (0.1 is a step end).
    expect(stats.recomputedSteps).toBe(11);
    expect(stats.recomputedNfe).toBe(11 * 4 + 1);
    expect(relative(mode.all, gradients({ method: 'rk4', stepSize: 0.05, dense: true }, loss, [0, 3]).all)).toBeLessThan(1e-4);
  });
});

describe('no tensor leaks with events and dense output', () => {
  it.each([
    ['checkpoint', { ...TOL, gradient: 'checkpoint' }],
    ['checkpoint (rk4, 3 checkpoints)', { method: 'rk4', stepSize: 0.1, gradient: { mode: 'checkpoint', checkpoints: 3 } }],
    ['backsolve', { ...TOL, gradient: 'backsolve' }],
  ] as [string, SolverInput][])('%s: numTensors unchanged after solves and gradients inside tf.tidy', (_label, input) => {
    const m = model();
    const y0 = tf.tensor2d(y0v, [1, 2]);
    const before = tf.memory().numTensors;
    for (const extra of [{ events: [{ g }] }, { events: [{ g, terminal: true }], dense: true }, { dense: true }]) {
      const s = solver({ ...input, ...extra });
      tf.tidy(() => {
        const { value } = tf.variableGrads(() => {
          const sol = odeint(m.f, y0, [0, 1, 3], s, { params: m.params });
          const terms = [tf.sum(sol.ys)];
          if (sol.events) terms.push(sol.events[0].time, tf.sum(sol.events[0].y));
          if (sol.evaluate) terms.push(tf.sum(sol.evaluate([0.5, 1])));
          return tf.addN(terms) as tf.Scalar;
        }, m.params);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      });
      expect(tf.memory().numTensors).toBe(before);
      // Without a gradient (no tape), after the dense output is disposed.
      tf.tidy(() => {
        const sol = odeint(m.f, y0, [0, 1, 3], s, { params: m.params });
        sol.evaluate?.(0.5);
        sol.dense?.dispose();
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    y0.dispose();
    m.dispose();
  });
});

describe('odeintAdjoint', () => {
  it('reports events and a dense output, differentiable by its backward solve', () => {
    const m = model();
    const y0 = tf.variable(tf.tensor2d(y0v, [1, 2]), true, name('y0'));
    let sol: ReturnType<typeof odeintAdjoint> | null = null;
    const { grads } = tf.variableGrads(() => {
      sol = odeintAdjoint(m.f, y0, [0, 3], { ...TOL, events: [{ g, direction: -1 }], dense: true, params: m.params });
      return tf.add(sol.events![0].time, tf.sum(sol.evaluate!(2))) as tf.Scalar;
    }, [y0, ...m.params]);
    const all = [y0, ...m.params].flatMap((p) => Array.from(grads[p.name].dataSync()));
    const loss = (s: OdeintTensorSolution) => tf.add(s.events![0].time, tf.sum(s.evaluate!(2))) as tf.Scalar;
    const tape = gradients({ ...TOL, events: [{ g, direction: -1 }], dense: true }, loss, [0, 3]);
    expect(sol!.adjointStats).not.toBeNull();
    expect(relative(all, tape.all)).toBeLessThan(1e-4);
    tf.dispose([y0, ...Object.values(grads)]);
    m.dispose();
  });
});

describe('solver() accepts events and dense output in every gradient mode', () => {
  it.each(['checkpoint', 'backsolve'] as const)('%s', (gradient) => {
    const s = solver({ events: [{ g, terminal: true }], dense: true, gradient });
    expect(s.gradient.mode).toBe(gradient);
    expect(s.events).toHaveLength(1);
    expect(s.dense).toBe(true);
  });
});
