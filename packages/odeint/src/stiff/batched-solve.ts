import * as tf from '@tensorflow/tfjs-core';
import { OdeintError } from '../errors';
import { luFactor, luSolve, type LU } from './linalg';

/**
 * `x = A⁻¹ b` for a batch of small dense systems: `a` is `[batch, d, d]`, `b` is `[batch, d]`, `x` is `[batch, d]`
 * (tfjs has no solve op). The factorisation runs on the host in float64 (partial pivoting, one LU per matrix; the
 * systems of batched stiff ODEs are small), so one call reads `a` and `b` back from the device. Differentiable in
 * both arguments: with `g = ∂L/∂x`, `∂L/∂b = A⁻ᵀ g` and `∂L/∂A = −(A⁻ᵀ g) xᵀ`, themselves computed with
 * `batchedSolve`, so gradients of gradients work too. A singular matrix is an {@link OdeintError}.
 * @param a - the matrices, `[batch, d, d]`, each non-singular.
 * @param b - the right-hand sides, `[batch, d]`.
 */
export function batchedSolve(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (a.rank !== 3 || b.rank !== 2 || a.shape[1] !== a.shape[2] || a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new OdeintError('a', `batchedSolve: a must be [batch, d, d] and b [batch, d], got a ${JSON.stringify(a.shape)} and b ${JSON.stringify(b.shape)}. Fix: pass matching shapes.`);
  }
  return solveOp(a, b) as tf.Tensor2D;
}

const solveOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const a = args[0] as tf.Tensor3D;
  const b = args[1] as tf.Tensor2D;
  const save = args[2] as tf.GradSaveFunc;
  const x = hostSolve(a, b);
  save([a, x]);
  return {
    value: x,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [aSaved, xSaved] = saved as [tf.Tensor3D, tf.Tensor2D];
      const gb = solveOp(tf.transpose(aSaved, [0, 2, 1]), dy as tf.Tensor2D) as tf.Tensor2D;
      const ga = tf.neg(tf.mul(tf.expandDims(gb, 2), tf.expandDims(xSaved, 1)));
      return [ga, gb];
    },
  };
});

/** The factors of each matrix, per tensor data (a Rosenbrock step solves 8 systems with one matrix). */
const factorsOf = new WeakMap<object, LU[]>();

function hostSolve(a: tf.Tensor3D, b: tf.Tensor2D): tf.Tensor2D {
  const [batch, d] = b.shape;
  let factors = factorsOf.get(a.dataId);
  if (!factors) {
    const av = a.dataSync();
    factors = Array.from({ length: batch }, (_, i) => luFactor(Float64Array.from(av.subarray(i * d * d, (i + 1) * d * d)), d));
    factorsOf.set(a.dataId, factors);
  }
  const bv = b.dataSync();
  const out = new Float32Array(batch * d);
  for (let i = 0; i < batch; i++) {
    const lu = factors[i];
    if (lu.singular) {
      throw new OdeintError('a', `batchedSolve: matrix ${i} of the batch is singular to working precision. Fix: check the Jacobian, or take a smaller step.`);
    }
    out.set(luSolve(lu, bv.subarray(i * d, (i + 1) * d)), i * d);
  }
  return tf.tensor2d(out, [batch, d], 'float32');
}
