import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from './odeint';
import { odeintAdjoint } from './adjoint';
import { odeintFloat64 } from './odeint-float64';
import { rng } from './problems.test-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

// A small MLP vector field f(y) = W2ᵀ tanh(W1ᵀ y + b1) + b2 on R², 8 hidden units, seeded weights; the same
// field in float64 gives central finite differences as the reference.
const D = 2;
const H = 8;
const random = rng(42);
const init = {
  W1: Array.from({ length: D * H }, () => (random() * 2 - 1) * 0.8),
  b1: Array.from({ length: H }, () => (random() * 2 - 1) * 0.2),
  W2: Array.from({ length: H * D }, () => (random() * 2 - 1) * 0.8),
  b2: Array.from({ length: D }, () => (random() * 2 - 1) * 0.2),
};
const y0Values = [0.6, -0.4];
const ts = [0, 0.5, 1];
const lossWeights = Array.from({ length: ts.length * D }, () => random() * 2 - 1);
type Weights = typeof init;

function fieldFloat64(w: Weights) {
  return (_t: number, y: Float64Array) => {
    const h = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      let s = w.b1[j];
      for (let i = 0; i < D; i++) s += y[i] * w.W1[i * H + j];
      h[j] = Math.tanh(s);
    }
    const out = new Float64Array(D);
    for (let k = 0; k < D; k++) {
      let s = w.b2[k];
      for (let j = 0; j < H; j++) s += h[j] * w.W2[j * D + k];
      out[k] = s;
    }
    return out;
  };
}

const fixed = { method: 'rk4' as const, stepSize: 0.05 };

function lossFloat64(w: Weights, y0: number[]): number {
  const sol = odeintFloat64(fieldFloat64(w), y0, ts, fixed);
  let s = 0;
  sol.ys.forEach((y, i) => y.forEach((v, k) => (s += v * lossWeights[i * D + k])));
  return s;
}

/** Central finite differences in float64 of the loss w.r.t. every weight and y0. */
function finiteDifferences(): Record<keyof Weights | 'y0', number[]> {
  const eps = 1e-6;
  const out = {} as Record<keyof Weights | 'y0', number[]>;
  for (const key of Object.keys(init) as (keyof Weights)[]) {
    out[key] = init[key].map((_, i) => {
      const plus = { ...init, [key]: init[key].map((v, j) => (j === i ? v + eps : v)) };
      const minus = { ...init, [key]: init[key].map((v, j) => (j === i ? v - eps : v)) };
      return (lossFloat64(plus, y0Values) - lossFloat64(minus, y0Values)) / (2 * eps);
    });
  }
  out.y0 = y0Values.map((_, i) => {
    const p = y0Values.map((v, j) => (j === i ? v + eps : v));
    const m = y0Values.map((v, j) => (j === i ? v - eps : v));
    return (lossFloat64(init, p) - lossFloat64(init, m)) / (2 * eps);
  });
  return out;
}

function makeModel() {
  const W1 = tf.variable(tf.tensor2d(init.W1, [D, H]), true, `W1_${Math.floor(random() * 1e9)}`);
  const b1 = tf.variable(tf.tensor1d(init.b1), true, `b1_${Math.floor(random() * 1e9)}`);
  const W2 = tf.variable(tf.tensor2d(init.W2, [H, D]), true, `W2_${Math.floor(random() * 1e9)}`);
  const b2 = tf.variable(tf.tensor1d(init.b2), true, `b2_${Math.floor(random() * 1e9)}`);
  const params = [W1, b1, W2, b2];
  const f = (_t: tf.Scalar, y: tf.Tensor) =>
    tf.reshape(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(tf.reshape(y, [1, D]), W1), b1)), W2), b2), [D]);
  return { params, f, dispose: () => params.forEach((p) => p.dispose()) };
}

type Mode = 'tape' | 'adjoint';
function gradients(mode: Mode, options: Record<string, unknown>) {
  const model = makeModel();
  const y0 = tf.variable(tf.tensor1d(y0Values), true, `y0_${Math.floor(random() * 1e9)}`);
  const c = tf.tensor2d(lossWeights, [ts.length, D]);
  let adjointStats: unknown = null;
  const { grads } = tf.variableGrads(() => {
    const sol =
      mode === 'tape'
        ? odeint(model.f, y0, ts, options)
        : odeintAdjoint(model.f, y0, ts, { ...options, params: model.params });
    if (mode === 'adjoint') adjointStats = sol;
    return tf.sum(tf.mul(sol.ys, c)) as tf.Scalar;
  }, [y0, ...model.params]);
  const read = (v: tf.Variable) => Array.from(grads[v.name].dataSync());
  const out = {
    y0: read(y0),
    W1: read(model.params[0]),
    b1: read(model.params[1]),
    W2: read(model.params[2]),
    b2: read(model.params[3]),
  };
  Object.values(grads).forEach((g) => g.dispose());
  model.dispose();
  y0.dispose();
  c.dispose();
  return { grads: out, solution: adjointStats as { adjointStats: { nfe: number } | null; stats: { nfe: number } } | null };
}

const relative = (a: number[], b: number[]) =>
  Math.hypot(...a.map((v, i) => v - b[i])) / Math.max(Math.hypot(...b), 1e-12);

describe('gradients: tape, adjoint and finite differences agree', () => {
  const keys = ['y0', 'W1', 'b1', 'W2', 'b2'] as const;
  let fd: Record<string, number[]>;
  beforeAll(() => {
    fd = finiteDifferences();
  });

  it('odeint (tape) matches float64 central differences of the same discretisation (rk4, h = 0.05)', () => {
    const { grads } = gradients('tape', fixed);
    for (const k of keys) expect(relative(grads[k], fd[k])).toBeLessThan(1e-3);
  });

  it('odeintAdjoint matches finite differences and the tape (rk4, h = 0.05)', () => {
    const tape = gradients('tape', fixed).grads;
    const { grads, solution } = gradients('adjoint', fixed);
    for (const k of keys) {
      expect(relative(grads[k], fd[k])).toBeLessThan(1e-3);
      expect(relative(grads[k], tape[k])).toBeLessThan(1e-3);
    }
    // rk4 is not FSAL: per 10-step interval 1 + 3·10 + 9 evaluations, two intervals.
    expect(solution?.adjointStats?.nfe).toBe(2 * 10 * 4);
  });

  it('adaptive dopri5: adjoint agrees with backprop to 1e-3 relative in float32, both with FD', () => {
    const opts = { rtol: 1e-6, atol: 1e-7 };
    const tape = gradients('tape', opts).grads;
    const { grads, solution } = gradients('adjoint', opts);
    for (const k of keys) {
      expect(relative(grads[k], tape[k])).toBeLessThan(1e-3);
      expect(relative(tape[k], fd[k])).toBeLessThan(1e-3);
    }
    expect(solution?.stats.nfe).toBeGreaterThan(0);
    expect(solution?.adjointStats?.nfe).toBeGreaterThan(0);
  });

  it('seminorm: same gradients with fewer backward evaluations than the mixed norm (where the parameters limit the step)', () => {
    // At 1e-6 the parameter-gradient components decide the mixed norm's steps (measured: 52 against 40 evaluations).
    const opts = { rtol: 1e-6, atol: 1e-7 };
    const mixed = gradients('adjoint', opts);
    const semi = gradients('adjoint', { ...opts, adjointNorm: 'seminorm' });
    for (const k of keys) expect(relative(semi.grads[k], mixed.grads[k])).toBeLessThan(1e-3);
    expect(semi.solution!.adjointStats!.nfe).toBeLessThan(mixed.solution!.adjointStats!.nfe);
  });

  it('tf.grad w.r.t. y0 works for both (no variables involved), forward and backward in time', () => {
    const model = makeModel();
    for (const times of [ts, [1, 0.4, 0]]) {
      const loss = (adj: boolean) => (y: tf.Tensor) => {
        const sol = adj ? odeintAdjoint(model.f, y, times, { params: model.params }) : odeint(model.f, y, times);
        return tf.sum(tf.square(sol.ys));
      };
      const y = tf.tensor1d(y0Values);
      const a = tf.grad(loss(false))(y);
      const b = tf.grad(loss(true))(y);
      expect(relative(Array.from(b.dataSync()), Array.from(a.dataSync()))).toBeLessThan(1e-3);
      tf.dispose([y, a, b]);
    }
    model.dispose();
  });
});

describe('no tensor leaks', () => {
  it.each(['tape', 'adjoint'] as const)('%s: numTensors unchanged after a solve and its gradient inside tf.tidy', (mode) => {
    const model = makeModel();
    const y0 = tf.tensor1d(y0Values);
    for (const options of [fixed, { rtol: 1e-5, atol: 1e-6 }, { method: 'tsit5' as const, rtol: 1e-4, atol: 1e-4 }]) {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const sol = mode === 'tape' ? odeint(model.f, y0, ts, options) : odeintAdjoint(model.f, y0, ts, { ...options, params: model.params });
          return tf.sum(tf.square(sol.ys)) as tf.Scalar;
        }, model.params);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        expect(Object.keys(grads)).toHaveLength(4);
      });
      expect(tf.memory().numTensors).toBe(before);
    }
    y0.dispose();
    model.dispose();
  });

  it('a plain solve without gradients leaves only ys', () => {
    const model = makeModel();
    const y0 = tf.tensor1d(y0Values);
    const before = tf.memory().numTensors;
    const sol = odeint(model.f, y0, ts, { rtol: 1e-5, atol: 1e-6, jumpTimes: [0.7] });
    expect(tf.memory().numTensors).toBe(before + 1);
    sol.ys.dispose();
    y0.dispose();
    model.dispose();
  });
});
