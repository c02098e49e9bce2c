import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from '../odeint';
import { odeintFloat64 } from '../odeint-float64';
import { thrownOdeintError } from '../errors.test-fixtures';
import type { GradientInput } from '../gradient';
import type { OdeintTensorSolution } from '../gradient-modes';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const METHODS = ['rodas5', 'kvaerno5'] as const;

/** Largest |a − b| / (scale + max |b|) over two lists of arrays. */
function relDiff(a: number[][], b: number[][], scale = 1e-6): number {
  let worst = 0;
  a.forEach((x, i) => {
    const top = Math.max(...b[i].map(Math.abs));
    x.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[i][k]) / (scale + top))));
  });
  return worst;
}

// A small neural field with a stiff linear part: f(y) = A y + tanh(y W1 + b1) W2, A = diag(−1, −300), rows independent.
const W1_INIT = [
  [0.4, -0.3, 0.2, 0.5],
  [-0.6, 0.1, 0.3, -0.2],
];
const B1_INIT = [0.1, -0.2, 0.05, 0.3];
const W2_INIT = [
  [0.5, -0.4],
  [0.3, 0.2],
  [-0.7, 0.6],
  [0.2, 0.8],
];
const A_DIAG = [-1, -300];
const Y0 = [
  [1, 0.5],
  [-0.5, 1],
  [0.3, -0.8],
];
// Weights of the loss on the outputs at t = 0.3 and t = 1 (so that an output inside a step gets a cotangent too).
const LOSS_W = [
  [
    [0.2, -1],
    [0.5, 0.3],
    [-0.4, 0.7],
  ],
  [
    [1, 0.5],
    [-0.3, 1.2],
    [0.8, -0.6],
  ],
];

function neuralCase() {
  const W1 = tf.variable(tf.tensor2d(W1_INIT), true, 'stiffW1');
  const b1 = tf.variable(tf.tensor1d(B1_INIT), true, 'stiffB1');
  const W2 = tf.variable(tf.tensor2d(W2_INIT), true, 'stiffW2');
  const A = tf.tensor2d([A_DIAG]);
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.add(tf.mul(y, A), tf.matMul(tf.tanh(tf.add(tf.matMul(y as tf.Tensor2D, W1), b1)), W2));
  const lossW = tf.tensor3d(LOSS_W);
  const params = [W1, b1, W2];
  /** Gradients of the loss with respect to y0 and the three weights, in a gradient mode. */
  const grads = (method: (typeof METHODS)[number], gradient: GradientInput) => {
    const y0 = tf.tensor2d(Y0);
    const g = { value: 0, grads: [] as number[][], sol: null as unknown as OdeintTensorSolution };
    tf.tidy(() => {
      const { value, grads } = tf.engine().gradients(
        () => {
          g.sol = odeint(f, y0, [0, 0.3, 1], { method, rtol: 1e-4, atol: 1e-6, gradient }, { params });
          return tf.sum(tf.mul(tf.slice(g.sol.ys, [1], [2]), lossW));
        },
        [y0, ...params],
      );
      g.value = value.arraySync() as number;
      g.grads = grads.map((x) => Array.from(x.dataSync()));
    });
    y0.dispose();
    return g;
  };
  const dispose = () => tf.dispose([W1, b1, W2, A, lossW]);
  return { grads, dispose };
}

/** The same loss on float64 (plain JS network), for central finite differences. */
function neuralLoss64(method: string, y0: number[][], w1: number[][], b1: number[], w2: number[][]): number {
  let loss = 0;
  y0.forEach((row, b) => {
    const f = (_t: number, y: Float64Array) => {
      const h = b1.map((bj, j) => Math.tanh(y[0] * w1[0][j] + y[1] * w1[1][j] + bj));
      return [0, 1].map((k) => A_DIAG[k] * y[k] + h.reduce((acc, hj, j) => acc + hj * w2[j][k], 0));
    };
    const ys = odeintFloat64(f, row, [0, 0.3, 1], { method: method as 'rodas5', rtol: 1e-11, atol: 1e-13 }).ys;
    for (let i = 0; i < 2; i++) for (let k = 0; k < 2; k++) loss += LOSS_W[i][b][k] * ys[i + 1][k];
  });
  return loss;
}

describe('stiff methods on tensors with the checkpoint gradient mode', () => {
  it.each(METHODS)('%s: checkpoint gives the tape gradient (y0 and the weights of a neural f), whatever the schedule and replay', (method) => {
    const c = neuralCase();
    try {
      const tape = c.grads(method, 'tape');
      const settings: GradientInput[] = [
        'checkpoint',
        { mode: 'checkpoint', checkpoints: 2, replay: 'step' },
        { mode: 'checkpoint', checkpoints: 3, replay: 'segment' },
      ];
      for (const gradient of settings) {
        const g = c.grads(method, gradient);
        expect(g.value).toBe(tape.value);
        expect(relDiff(g.grads, tape.grads)).toBeLessThan(1e-5);
        const gs = g.sol.gradientStats as { mode: string; recomputedSteps: number; checkpoints: number; segments: number };
        expect(gs.mode).toBe('checkpoint');
        // Every accepted step replayed under the tape once (and, replayed step by step, restored once more).
        expect(gs.recomputedSteps).toBeGreaterThanOrEqual(g.sol.stats.nAccepted);
        expect(gs.segments).toBe(gs.checkpoints + 1);
      }
    } finally {
      c.dispose();
    }
  });

  it.each(METHODS)('%s: the checkpoint gradient matches float64 central differences', (method) => {
    const c = neuralCase();
    try {
      const g = c.grads(method, { mode: 'checkpoint', checkpoints: 2 });
      const fd = (bump: (d: { y0: number[][]; w1: number[][]; b1: number[]; w2: number[][] }, e: number) => void) => {
        const at = (e: number) => {
          const d = { y0: Y0.map((r) => [...r]), w1: W1_INIT.map((r) => [...r]), b1: [...B1_INIT], w2: W2_INIT.map((r) => [...r]) };
          bump(d, e);
          return neuralLoss64(method, d.y0, d.w1, d.b1, d.w2);
        };
        return (at(1e-5) - at(-1e-5)) / 2e-5;
      };
      const checks: [number, number][] = [
        [g.grads[0][0], fd((d, e) => (d.y0[0][0] += e))],
        [g.grads[0][3], fd((d, e) => (d.y0[1][1] += e))],
        [g.grads[1][1], fd((d, e) => (d.w1[0][1] += e))],
        [g.grads[2][3], fd((d, e) => (d.b1[3] += e))],
        [g.grads[3][5], fd((d, e) => (d.w2[2][1] += e))],
      ];
      for (const [got, want] of checks) expect(Math.abs(got - want)).toBeLessThan(2e-3 * (0.1 + Math.abs(want)));
    } finally {
      c.dispose();
    }
  });

  it.each(METHODS)('%s: Robertson over [0, 1] as a batch: checkpoint = tape = float64 differences for y0 and the rate k1', (method) => {
    const k1 = tf.variable(tf.tensor2d([[0.04], [0.08]]), true, `robertsonK1${method}`);
    const col = (y: tf.Tensor, i: number) => tf.slice(y, [0, i], [2, 1]);
    const f = (_t: tf.Scalar, y: tf.Tensor) => {
      const bc = tf.mul(tf.mul(col(y, 1), col(y, 2)), 1e4);
      const b2 = tf.mul(tf.square(col(y, 1)), 3e7);
      const a = tf.mul(col(y, 0), k1);
      return tf.concat([tf.add(tf.neg(a), bc), tf.sub(tf.sub(a, bc), b2), b2], 1);
    };
    const run = (gradient: GradientInput) => {
      const y0 = tf.tensor2d([
        [1, 0, 0],
        [0.9, 0, 0.1],
      ]);
      const res = tf.tidy(() => {
        const { grads } = tf.engine().gradients(() => {
          const sol = odeint(f, y0, [0, 1], { method, rtol: 1e-5, atol: 1e-9, gradient }, { params: [k1] });
          // y2 is ~1e-5: weigh it up so that it counts.
          return tf.sum(tf.mul(tf.squeeze(tf.slice(sol.ys, [1], [1]), [0]), tf.tensor2d([[1, 1e4, 0.5], [1, 1e4, 0.5]])));
        }, [y0, k1]);
        return grads.map((x) => Array.from(x.dataSync()));
      });
      y0.dispose();
      return res;
    };
    try {
      const tape = run('tape');
      const cp = run({ mode: 'checkpoint', checkpoints: 2 });
      expect(relDiff(cp, tape)).toBeLessThan(1e-5);
      const loss64 = (k: number, y0: number[]) => {
        const y = odeintFloat64(
          (_t, v) => [-k * v[0] + 1e4 * v[1] * v[2], k * v[0] - 1e4 * v[1] * v[2] - 3e7 * v[1] * v[1], 3e7 * v[1] * v[1]],
          y0,
          [0, 1],
          { method: 'rodas5', rtol: 1e-12, atol: 1e-16 },
        ).ys[1];
        return y[0] + 1e4 * y[1] + 0.5 * y[2];
      };
      const e = 1e-6;
      const dk = (loss64(0.04 + e, [1, 0, 0]) - loss64(0.04 - e, [1, 0, 0])) / (2 * e);
      const dy0 = (loss64(0.04, [1 + e, 0, 0]) - loss64(0.04, [1 - e, 0, 0])) / (2 * e);
      expect(Math.abs(cp[1][0] - dk)).toBeLessThan(1e-3 * Math.abs(dk));
      expect(Math.abs(cp[0][0] - dy0)).toBeLessThan(1e-3 * Math.abs(dy0));
    } finally {
      k1.dispose();
    }
  });

  it('gradients with respect to the output times (ts a tensor) agree with the tape', () => {
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.mul(tf.sub(tf.tanh(y), tf.mul(y, 2)), tf.tensor2d([[1, 80]]));
    const y0 = tf.tensor2d([
      [1, -0.5],
      [0.3, 0.9],
    ]);
    const dts = (gradient: GradientInput) =>
      tf.tidy(() => {
        const ts = tf.tensor1d([0, 0.2, 0.5]);
        return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.square(odeint(f, y0, t as tf.Tensor1D, { method: 'rodas5', rtol: 1e-4, atol: 1e-6, gradient }, { params: [] }).ys)))(ts).dataSync());
      });
    const tape = dts('tape');
    expect(relDiff([dts('checkpoint')], [tape])).toBeLessThan(1e-5);
    expect(Math.abs(tape[2])).toBeGreaterThan(1e-3);
    y0.dispose();
  });

  it('frees what it held: no tensor leaks through a forward solve and its gradient', () => {
    const c = neuralCase();
    try {
      c.grads('kvaerno5', { mode: 'checkpoint', checkpoints: 2, replay: 'step' }); // warm up kernels' constants
      const before = tf.memory().numTensors;
      c.grads('kvaerno5', { mode: 'checkpoint', checkpoints: 2, replay: 'step' });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      c.dispose();
    }
  });

  it('backsolve with a stiff method is no longer refused: an interpolating adjoint, exact on y′ = −3y', () => {
    // L = Σ y(1) → dL/dy0 = e^−3 per entry; the full comparison with checkpoint/tape is in stiff-backsolve.test.ts.
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.mul(y, -3);
    const y0 = tf.tensor2d([[1, 2]]);
    for (const method of METHODS) {
      let sol = null as unknown as OdeintTensorSolution;
      const g = tf.tidy(() => {
        const { grads } = tf.engine().gradients(() => {
          sol = odeint(f, y0, [0, 1], { method, rtol: 1e-6, atol: 1e-9, gradient: 'backsolve' }, { params: [] });
          return tf.sum(tf.slice(sol.ys, [1], [1]));
        }, [y0]);
        return Array.from(grads[0].dataSync());
      });
      for (const v of g) expect(Math.abs(v - Math.exp(-3)) / Math.exp(-3)).toBeLessThan(1e-4);
      expect(sol.gradientStats?.mode).toBe('backsolve');
    }
    y0.dispose();
  });
});
