import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { odeint } from '../odeint';
import type { GradientInput } from '../gradient';
import type { OdeintTensorSolution } from '../gradient-modes';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

const METHODS = ['rodas5', 'kvaerno5'] as const;

/** Largest |a − b| / max |b| per array, over two lists of arrays. */
function relDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((x, i) => {
    const top = Math.max(...b[i].map(Math.abs));
    x.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[i][k]) / top)));
  });
  return worst;
}

// A small neural field with a stiff linear part: f(y) = A y + tanh(y W1 + b1) W2, A = diag(−1, −500), rows
// independent; seeded weights.
function neuralCase() {
  const W1 = tf.variable(tf.randomNormal([2, 4], 0, 0.5, 'float32', 7), true, 'bsW1');
  const b1 = tf.variable(tf.randomNormal([4], 0, 0.2, 'float32', 8), true, 'bsB1');
  const W2 = tf.variable(tf.randomNormal([4, 2], 0, 0.5, 'float32', 9), true, 'bsW2');
  const A = tf.tensor2d([[-1, -500]]);
  const f = (_t: tf.Scalar, y: tf.Tensor) => tf.add(tf.mul(y, A), tf.matMul(tf.tanh(tf.add(tf.matMul(y as tf.Tensor2D, W1), b1)), W2));
  const lossW = tf.randomNormal([2, 3, 2], 0, 1, 'float32', 11);
  const params = [W1, b1, W2];
  const grads = (method: (typeof METHODS)[number], gradient: GradientInput) => {
    const y0 = tf.tensor2d([
      [1, 0.5],
      [-0.5, 1],
      [0.3, -0.8],
    ]);
    const g = { grads: [] as number[][], sol: null as unknown as OdeintTensorSolution };
    tf.tidy(() => {
      const { grads } = tf.engine().gradients(
        () => {
          g.sol = odeint(f, y0, [0, 0.3, 1], { method, rtol: 1e-6, atol: 1e-8, gradient }, { params });
          return tf.sum(tf.mul(tf.slice(g.sol.ys, [1], [2]), lossW));
        },
        [y0, ...params],
      );
      g.grads = grads.map((x) => Array.from(x.dataSync()));
    });
    y0.dispose();
    return g;
  };
  const dispose = () => tf.dispose([W1, b1, W2, A, lossW]);
  return { grads, dispose };
}

// Backsolve's gradient is the continuous adjoint's, checkpoint's the discrete one's (the tape's): at rtol 1e-6 the two
// differ by the solves' errors, measured at 1.2e-4 (rodas5) and 1.6e-5 (kvaerno5) relative (Robertson: 3.7e-4, 3.4e-5); 1e-3 leaves room for
// float32 and still catches a missing term (the quadrature or a jump at an output time moves them by O(1)).
const AGREE = 1e-3;

describe('stiff methods on tensors with the backsolve gradient mode (interpolating adjoint)', () => {
  it.each(METHODS)('%s: backsolve gradients (y0 and the weights of a neural f) agree with checkpoint at rtol 1e-6', (method) => {
    const c = neuralCase();
    try {
      const ref = c.grads(method, 'checkpoint');
      const g = c.grads(method, 'backsolve');
      g.grads.forEach((x, i) => expect(relDiff([x], [ref.grads[i]])).toBeLessThan(AGREE));
      const gs = g.sol.gradientStats as { mode: string; nAccepted: number; nfe: number; reconstructionError: number };
      expect(gs.mode).toBe('backsolve');
      expect(gs.nAccepted).toBeGreaterThan(0);
      expect(gs.nfe).toBeGreaterThan(gs.nAccepted);
      // Nothing is reconstructed: the interpolant gives the forward outputs back up to round-off.
      expect(gs.reconstructionError).toBeLessThan(1e-5);
      // The dense outputs and the backward pass's tensors are all released.
      const before = tf.memory().numTensors;
      c.grads(method, 'backsolve');
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      c.dispose();
    }
  });

  it.each(METHODS)('%s: Robertson over [0, 1], gradients w.r.t. y0 and the rates agree with tape', (method) => {
    // Rates as k · scale so the variables are O(1).
    const k = tf.variable(tf.tensor1d([0.04, 3, 1]), true, `robK-${method}`);
    const scale = tf.tensor1d([1, 3e7 / 3, 1e4]);
    const f = (_t: tf.Scalar, y: tf.Tensor) =>
      tf.tidy(() => {
        const r = tf.mul(k, scale);
        const [y1, y2, y3] = tf.split(y, 3, 1);
        const [k1, k2, k3] = tf.split(r, 3);
        const a = tf.mul(k1, y1);
        const b = tf.mul(tf.mul(k2, y2), y2);
        const c = tf.mul(tf.mul(k3, y2), y3);
        return tf.concat([tf.add(tf.neg(a), c), tf.sub(tf.sub(a, b), c), b], 1);
      });
    const w = tf.tensor3d([[[1, 2e4, -1]], [[0.5, -3e4, 2]]]);
    const run = (gradient: GradientInput) =>
      tf.tidy(() => {
        const y0 = tf.tensor2d([[1, 0, 0]]);
        const { grads } = tf.engine().gradients(() => tf.sum(tf.mul(tf.slice(odeint(f, y0, [0, 0.1, 1], { method, rtol: 1e-6, atol: 1e-10, gradient }, { params: [k] }).ys, [1], [2]), w)), [y0, k]);
        return grads.map((x) => Array.from(x.dataSync()));
      });
    try {
      const ref = run('tape');
      const g = run('backsolve');
      g.forEach((x, i) => expect(relDiff([x], [ref[i]])).toBeLessThan(AGREE));
    } finally {
      tf.dispose([k, scale, w]);
    }
  });

  // Long steps: Robertson to t = 1000 takes 19 kvaerno5 steps (up to ~100 long), and the adjoint reads y(t) between
  // them from the forward dense output. With kvaerno5's former cubic Hermite (up to 12× the tolerance off between step
  // ends) this measured 7.8e-4 (1e-1 to t = 1e5 in bench:stiff); with its order-4 dense output 5.9e-5 (rodas5 1.8e-5).
  it.each(METHODS)('%s: Robertson to t = 1000 (a two-row batch, rtol 1e-4): backsolve agrees with tape', (method) => {
    const theta = tf.variable(tf.scalar(1), true, `robTheta-${method}`);
    const f = (_t: tf.Scalar, y: tf.Tensor) =>
      tf.tidy(() => {
        const [y1, y2, y3] = tf.split(y, 3, 1);
        const a = tf.mul(y1, 0.04);
        const b = tf.mul(tf.square(y2), 3e7);
        const c = tf.mul(tf.mul(y2, y3), 1e4);
        return tf.mul(tf.concat([tf.sub(c, a), tf.sub(tf.sub(a, b), c), b], 1), theta);
      });
    const w = tf.tensor2d([[1 / 0.0179, 1e6, 1 / 0.982]]);
    const run = (gradient: GradientInput) =>
      tf.tidy(() => {
        const y0 = tf.tensor2d([
          [1, 0, 0],
          [1.01, 1e-8, 0.00982],
        ]);
        const loss = () => tf.sum(tf.mul(tf.squeeze(tf.slice(odeint(f, y0, [0, 1000], { method, rtol: 1e-4, atol: 1e-6, gradient }, { params: [theta] }).ys, [1], [1]), [0]), w));
        const { grads } = tf.engine().gradients(loss as () => tf.Scalar, [y0, theta]);
        return grads.map((x) => Array.from(x.dataSync()));
      });
    try {
      const ref = run('tape');
      const g = run('backsolve');
      expect(relDiff([g.flat()], [ref.flat()])).toBeLessThan(3e-4);
    } finally {
      tf.dispose([theta, w]);
    }
  });

  it('gradients reach the times when ts is a tensor, as with checkpoint', () => {
    const c = 30;
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.mul(y, -c);
    const run = (gradient: GradientInput) =>
      tf.tidy(() => {
        const ts = tf.tensor1d([0, 0.05, 0.2]);
        const y0 = tf.tensor2d([[1, 2]]);
        const { grads } = tf.engine().gradients(() => tf.sum(odeint(f, y0, ts, { method: 'rodas5', rtol: 1e-6, atol: 1e-9, gradient }, { params: [] }).ys), [y0, ts]);
        return grads.map((x) => Array.from(x.dataSync()));
      });
    const ref = run('checkpoint');
    const g = run('backsolve');
    g.forEach((x, i) => expect(relDiff([x], [ref[i]])).toBeLessThan(AGREE));
  });

  it('a backward solver with an explicit method is an error naming it and the fix', () => {
    const f = (_t: tf.Scalar, y: tf.Tensor) => tf.mul(y, -100);
    const y0 = tf.tensor2d([[1, 2]]);
    try {
      expect(() =>
        tf.tidy(() => tf.engine().gradients(() => tf.sum(odeint(f, y0, [0, 1], { method: 'rodas5', gradient: { mode: 'backsolve', backward: { method: 'dopri5' } } }, { params: [] }).ys), [y0])),
      ).toThrow(/backward.*dopri5.*Fix/s);
    } finally {
      y0.dispose();
    }
  });
});
