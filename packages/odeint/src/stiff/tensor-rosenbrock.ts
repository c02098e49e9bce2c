import * as tf from '@tensorflow/tfjs-core';
import { OdeintError, SolveError } from '../errors';
import { between, type SolveStats } from '../integrate';
import { plannedStep } from './one-step';
import type { ResolvedOdeintOptions } from '../options';
import type { TensorField } from '../tensor-field';
import { batchedSolve } from './batched-solve';
import { stiffStats } from './problem';
import { rodas5 } from './rodas5';
import type { RosenbrockCoefficients } from './rosenbrock';

/**
 * `rodas5` on a float32 tensor state `[batch, d]` whose rows are independent systems (a batch of small stiff ODEs):
 * the Jacobian is block-diagonal, its `batch` blocks `[batch, d, d]` from `d` vector-Jacobian products (row `i` of
 * every block is the gradient of `Σ_b f(t, y)[b, i]`), and the stage systems are solved by {@link batchedSolve}.
 * Every op is recorded by tfjs's tape (the `tape` gradient mode), the Jacobian's included. `∂f/∂t` is a central
 * difference in float32. One host read per step (the error ratio) plus the solves' reads.
 */
export function solveRosenbrockTensor(
  fn: string,
  f: TensorField,
  y0: tf.Tensor,
  ts: Float64Array,
  direction: 1 | -1,
  opts: ResolvedOdeintOptions,
  rb: RosenbrockCoefficients = rodas5,
): { ys: tf.Tensor; stats: SolveStats } {
  if (y0.rank !== 2) {
    throw new OdeintError(
      'y0',
      `${fn}: method '${opts.method}' on tensors needs y0 of shape [batch, d] (rows are independent systems), got ${JSON.stringify(y0.shape)}. Fix: reshape y0 to [batch, d], or pass a float64 array.`,
    );
  }
  if (opts.jacobian) {
    throw new OdeintError('options.jacobian', `${fn}: options.jacobian is for float64 array states; on tensors the Jacobian comes from autodiff. Fix: remove jacobian.`);
  }
  if (typeof opts.atol !== 'number' || typeof opts.rtol !== 'number') {
    throw new OdeintError('options.rtol', `${fn}: method '${opts.method}' on tensors takes scalar rtol and atol. Fix: pass numbers.`);
  }
  if (opts.events.length > 0 || opts.dense) {
    throw new OdeintError('options.events', `${fn}: events and dense output are not supported by the stiff methods yet. Fix: remove events/dense, or use an explicit method.`);
  }
  const [batch, d] = y0.shape as [number, number];
  const stats = stiffStats();
  const atol = opts.atol;
  const rtol = opts.rtol;
  const s = rb.c.length;
  const field = (t: number, y: tf.Tensor): tf.Tensor => {
    stats.nfe++;
    const out = f(tf.scalar(t), y);
    if (!(out instanceof tf.Tensor) || out.shape.length !== 2 || out.shape[0] !== batch || out.shape[1] !== d) {
      throw new OdeintError('f', `${fn}: f(t = ${t}, y) must return a tensor of shape [${batch}, ${d}]. Fix: return dy/dt with the shape of y.`);
    }
    return out;
  };
  const jacobian = (t: number, y: tf.Tensor): tf.Tensor3D => {
    stats.njev++;
    return blockJacobian(field, t, y);
  };
  const ratioOf = (err: tf.Tensor, y: tf.Tensor, y1: tf.Tensor): number =>
    tf.tidy(() => {
      const scale = tf.add(atol, tf.mul(rtol, tf.maximum(tf.abs(y), tf.abs(y1))));
      const r = tf.div(err, scale);
      return opts.norm === 'rms' ? tf.sqrt(tf.mean(tf.square(r))) : tf.max(tf.abs(r));
    }).dataSync()[0];

  const tStart = ts[0];
  const tEnd = ts[ts.length - 1];
  const jumps = new Set(opts.jumpTimes);
  const stops = [...between([...opts.jumpTimes, ...opts.stepTimes], tStart, tEnd, direction), tEnd];
  const outputs: tf.Tensor[] = [y0];
  let stop = 0;
  let next = 1;
  let t = tStart;
  let y = y0;
  const k = rb.embeddedOrder + 1;
  let hAbs = opts.firstStep ?? Math.min(Math.abs(tEnd - tStart), 1e-3 * Math.max(1, Math.abs(tEnd - tStart)));
  let rejectedLast = false;
  let J: tf.Tensor3D | null = null;
  let dT: tf.Tensor | null = null;
  let f0: tf.Tensor | null = null;
  while (next < ts.length) {
    if (stats.nSteps >= opts.maxSteps) {
      throw new SolveError('max-steps', t, direction * hAbs, `${fn}: reached options.maxSteps = ${opts.maxSteps} steps at t = ${t} (of ${tStart} → ${tEnd}). Fix: raise maxSteps or loosen rtol/atol.`);
    }
    hAbs = Math.max(opts.minStep, Math.min(hAbs, opts.maxStep ?? Number.POSITIVE_INFINITY));
    const { h, t1, tEval, landing } = plannedStep(fn, t, hAbs, stops[stop], direction, jumps);
    hAbs = Math.abs(h);
    if (stats.nSteps === 0) stats.firstStep = h;
    if (J === null) {
      // At the step's start, kept through rejections (which restart from the same point).
      [f0, J, dT] = tf.tidy(() => {
        const fStart = field(t, y);
        const jac = jacobian(t, y);
        const delta = Math.cbrt(2 ** -23) * Math.max(1, Math.abs(t));
        return [fStart, jac, tf.div(tf.sub(field(t + delta, y), field(t - delta, y)), 2 * delta)];
      }) as [tf.Tensor, tf.Tensor3D, tf.Tensor];
    }
    stats.nSteps++;
    stats.nlu++; // batchedSolve factorises W once and reuses the factors for the stages' solves
    const yStep = y;
    let ratio = Number.NaN;
    // [y1, ...outputs in (t, t1]] of an accepted step; [] for a rejected one.
    const kept: tf.Tensor[] = tf.tidy(() => {
      const W = tf.sub(tf.mul(tf.expandDims(tf.eye(d), 0), 1 / (h * rb.gamma)), J as tf.Tensor3D) as tf.Tensor3D;
      const us: tf.Tensor[] = [];
      for (let i = 0; i < s; i++) {
        let fi = f0 as tf.Tensor;
        if (i > 0) {
          let yi = yStep;
          for (let j = 0; j < i; j++) if (rb.a[i][j] !== 0) yi = tf.add(yi, tf.mul(us[j], rb.a[i][j]));
          fi = field(rb.c[i] === 1 ? tEval : t + rb.c[i] * h, yi);
        }
        let rhs = tf.add(fi, tf.mul(dT as tf.Tensor, h * rb.d[i]));
        for (let j = 0; j < i; j++) if (rb.C[i][j] !== 0) rhs = tf.add(rhs, tf.mul(us[j], rb.C[i][j] / h));
        us.push(batchedSolve(W, rhs));
        stats.nsolve++;
      }
      let y1 = yStep;
      for (let j = 0; j < s; j++) if (rb.b[j] !== 0) y1 = tf.add(y1, tf.mul(us[j], rb.b[j]));
      ratio = ratioOf(us[s - 1], yStep, y1);
      if (!(Number.isFinite(ratio) && (ratio <= 1 || (opts.minStep > 0 && hAbs <= opts.minStep)))) return [];
      // Dense output (1−θ) y0 + θ (y1 + (1−θ)(K0 + θ (K1 + θ K2))), K_r = Σ_i H_ri u_i, at the outputs in (t, t1].
      const K = rb.H.map((row) => row.reduce((acc: tf.Tensor, w, j) => (w === 0 ? acc : tf.add(acc, tf.mul(us[j], w))), tf.zerosLike(yStep)));
      const outs: tf.Tensor[] = [];
      for (let q = next; q < ts.length && direction * (ts[q] - t1) <= 0; q++) {
        if (ts[q] === t1) outs.push(tf.clone(y1));
        else {
          const th = (ts[q] - t) / h;
          const inner = tf.add(K[0], tf.mul(tf.add(K[1], tf.mul(K[2], th)), th));
          outs.push(tf.add(tf.mul(yStep, 1 - th), tf.mul(tf.add(y1, tf.mul(inner, 1 - th)), th)));
        }
      }
      return [y1, ...outs];
    });
    const accepted = kept.length > 0;
    const raw = !Number.isFinite(ratio) ? opts.dfactor : ratio === 0 ? opts.ifactor : opts.safety * ratio ** (-1 / k);
    const factor = Math.min(accepted && !rejectedLast ? opts.ifactor : 1, Math.max(opts.dfactor, raw));
    rejectedLast = !accepted;
    if (!accepted) {
      stats.nRejected++;
      stats.nRejectedError++;
      hAbs *= factor;
      continue;
    }
    stats.nAccepted++;
    stats.lastStep = h;
    const [y1, ...outs] = kept;
    outputs.push(...outs);
    next += outs.length;
    if (landing) stop++;
    for (const x of [f0, J, dT]) x?.dispose();
    J = null;
    if (y !== y0) y.dispose();
    t = t1;
    y = y1;
    hAbs *= factor;
  }
  if (y !== y0) y.dispose();
  for (const x of [f0, J, dT]) if (x && !x.isDisposed) x.dispose();
  const ys = tf.stack(outputs, 0);
  for (const o of outputs) if (o !== y0) o.dispose();
  return { ys, stats };
}

/**
 * The Jacobian blocks `[batch, d, d]` of a field whose rows are independent systems, by `d` vector-Jacobian products:
 * row `i` of every block is the gradient of `Σ_b f(t, y)[b, i]` with respect to `y` (rows do not mix, so the sum
 * separates them). `d` evaluations of `f`, each with its backward pass.
 */
export function blockJacobian(f: (t: number, y: tf.Tensor) => tf.Tensor, t: number, y: tf.Tensor): tf.Tensor3D {
  const [batch, d] = y.shape as [number, number];
  return tf.tidy(() => {
    const rows: tf.Tensor[] = [];
    for (let i = 0; i < d; i++) rows.push(tf.grad((v: tf.Tensor) => tf.sum(tf.slice(f(t, v), [0, i], [batch, 1])))(y));
    return tf.stack(rows, 1) as tf.Tensor3D;
  });
}
