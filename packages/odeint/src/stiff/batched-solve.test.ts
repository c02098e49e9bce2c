import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { rng } from '../problems.test-fixtures';
import { batchedSolve } from './batched-solve';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

/** A seeded batch of well-conditioned matrices (identity·2 + noise) and right-hand sides, as float64 arrays. */
function problem(batch: number, d: number, seed: number) {
  const r = rng(seed);
  const A = Array.from({ length: batch }, () => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (__, j) => (i === j ? 2 : 0) + r() - 0.5)));
  const b = Array.from({ length: batch }, () => Array.from({ length: d }, () => r() - 0.5));
  return { A, b };
}

/** Gaussian elimination in float64, independent of the LU under test. */
function solve64(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i][k]) > Math.abs(M[p][k])) p = i;
    [M[k], M[p]] = [M[p], M[k]];
    for (let i = k + 1; i < n; i++) {
      const m = M[i][k] / M[k][k];
      for (let j = k; j <= n; j++) M[i][j] -= m * M[k][j];
    }
  }
  const x = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) x[i] = (M[i][n] - M[i].slice(i + 1, n).reduce((s, v, j) => s + v * x[i + 1 + j], 0)) / M[i][i];
  return x;
}

describe('batchedSolve', () => {
  it('matches a float64 reference on a seeded batch', () => {
    const { A, b } = problem(5, 4, 11);
    const x = batchedSolve(tf.tensor3d(A), tf.tensor2d(b)).arraySync();
    A.forEach((Ai, i) => solve64(Ai, b[i]).forEach((v, k) => expect(Math.abs(x[i][k] - v)).toBeLessThan(1e-5 * (1 + Math.abs(v)))));
  });

  it('its gradients w.r.t. A and b match float64 central differences of L = Σ w·x', () => {
    const { A, b } = problem(3, 3, 5);
    const r = rng(9);
    const w = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => r() - 0.5));
    const loss64 = (AA: number[][][], bb: number[][]) => AA.reduce((s, Ai, i) => s + solve64(Ai, bb[i]).reduce((t, v, k) => t + w[i][k] * v, 0), 0);
    const g = tf.grads((a: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.mul(batchedSolve(a, bt), tf.tensor2d(w))))([tf.tensor3d(A), tf.tensor2d(b)]);
    const gA = g[0].arraySync() as number[][][];
    const gb = g[1].arraySync() as number[][];
    const eps = 1e-6;
    for (let i = 0; i < 3; i++) {
      for (let k = 0; k < 3; k++) {
        const bp = b.map((row) => row.slice());
        const bm = b.map((row) => row.slice());
        bp[i][k] += eps;
        bm[i][k] -= eps;
        expect(Math.abs(gb[i][k] - (loss64(A, bp) - loss64(A, bm)) / (2 * eps))).toBeLessThan(1e-4);
        for (let j = 0; j < 3; j++) {
          const Ap = A.map((M) => M.map((row) => row.slice()));
          const Am = A.map((M) => M.map((row) => row.slice()));
          Ap[i][k][j] += eps;
          Am[i][k][j] -= eps;
          expect(Math.abs(gA[i][k][j] - (loss64(Ap, b) - loss64(Am, b)) / (2 * eps))).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('refuses a singular matrix and mismatched shapes, naming the fix', () => {
    expect(() => batchedSolve(tf.tensor3d([[[1, 2], [2, 4]]]), tf.tensor2d([[1, 1]]))).toThrow(/singular/);
    expect(() => batchedSolve(tf.tensor3d([[[1, 0], [0, 1]]]), tf.tensor2d([[1, 1, 1]]))).toThrow(/Fix: pass matching shapes/);
  });
});
