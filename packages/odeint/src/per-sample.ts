import * as tf from '@tensorflow/tfjs-core';
import { OdeintError, show } from './errors';
import type { OdeintTensorSolution } from './gradient-modes';
import type { TensorField } from './tensor-field';
import { checkTimes } from './times';

/** Per-sample output times: `[batch, T]`, as a 2-D tensor or rows of numbers. */
export type PerSampleTimes = tf.Tensor2D | readonly (readonly number[])[];

/** Whether `ts` gives each sample its own times (a 2-D tensor, or an array of arrays). */
export function isPerSample(ts: unknown): ts is PerSampleTimes {
  if (ts instanceof tf.Tensor) return ts.rank === 2;
  return Array.isArray(ts) && ts.length > 0 && Array.isArray(ts[0]);
}

/** The union of every sample's times, and where each sample's times sit in it. */
interface Union {
  times: number[];
  /** `rows[b][i]`: index in `times` of sample b's i-th time. */
  rows: number[][];
}

function unionOf(fn: string, ts: PerSampleTimes, batch: number): Union {
  const rows = ts instanceof tf.Tensor ? (ts.arraySync() as number[][]) : ts.map((r) => (Array.isArray(r) ? Array.from(r) : r));
  if (rows.length !== batch) {
    throw new OdeintError(
      'ts',
      `${fn}: ts has ${rows.length} rows of per-sample times but y0 has ${batch} samples (its first dimension). Fix: pass ts shaped [batch, T], one row per sample.`,
    );
  }
  const T = (rows[0] as readonly number[] | undefined)?.length;
  let direction: 1 | -1 | null = null;
  rows.forEach((row, b) => {
    if (!Array.isArray(row) || row.length !== T) {
      throw new OdeintError('ts', `${fn}: ts[${b}] = ${show(row)} must be an array of ${T} times, as ts[0]. Fix: give every sample the same number of times.`);
    }
    const checked = checkTimes(`${fn} (ts[${b}])`, row);
    if (row.length > 1) {
      if (direction !== null && checked.direction !== direction) {
        throw new OdeintError('ts', `${fn}: ts[${b}] runs ${checked.direction > 0 ? 'forward' : 'backward'} in time but ts[0] the other way. Fix: order every row the same way.`);
      }
      direction = checked.direction;
    }
    if (row[0] !== rows[0][0]) {
      throw new OdeintError(
        'ts',
        `${fn}: ts[${b}][0] = ${row[0]} but ts[0][0] = ${rows[0][0]}: every sample starts from y0 at the same time. Fix: begin each row with the common start time.`,
      );
    }
  });
  const d = direction ?? 1;
  const times = [...new Set(rows.flat())].sort((x, y) => d * (x - y));
  const at = new Map(times.map((t, i) => [t, i]));
  return { times, rows: rows.map((row) => row.map((t) => at.get(t)!)) };
}

/**
 * A solve with per-sample output times (`ts` shaped `[batch, T]`, `y0` shaped `[batch, ...]`): one batched solve
 * through the union of all samples' times, then each sample's rows gathered: `ys` is `[batch, T, ...]`. The union is
 * used rather than rescaling each sample's time onto a shared interval: rescaling maps only the two ends of each
 * row onto each other, so irregular times inside a row would still need one output per distinct time, and it
 * changes the vector field per sample (`dy/ds = (t1 − t0) f`). Through the union, the steps are those the batch takes
 * anyway (the error norm covers every sample), and the extra cost is one dense-output evaluation of the whole batch
 * state per distinct time. Gradients reach `y0` and the parameters (gradient modes as for any solve) and, when `ts` is
 * a 2-D tensor, the times: `dL/dys[b, i] · f(ts[b, i], y)[b]` (one evaluation of `f` on the whole batch per distinct
 * time, in the backward pass only), the common start time also through `y0` (as for 1-D times).
 */
export function solvePerSample(
  fn: string,
  f: TensorField,
  y0: tf.Tensor,
  ts: PerSampleTimes,
  solve: (x0: tf.Tensor, times: number[]) => OdeintTensorSolution,
): OdeintTensorSolution {
  if (y0.rank < 1) throw new OdeintError('y0', `${fn}: per-sample times need y0 shaped [batch, ...], got a scalar. Fix: add a batch dimension.`);
  const batch = y0.shape[0];
  const { times, rows } = unionOf(fn, ts, batch);
  const U = times.length;
  const T = rows[0].length;
  const rest = y0.shape.slice(1);
  const perm = [1, 0, ...rest.map((_, i) => i + 2)];
  const index = rows.flatMap((r, b) => r.map((i) => b * U + i));
  // [U, batch, ...] (union times first) → [batch, T, ...] (each sample's own times).
  const gatherRows = (union: tf.Tensor): tf.Tensor =>
    tf.tidy(() => tf.reshape(tf.gather(tf.reshape(tf.transpose(union, perm), [batch * U, ...rest]), tf.tensor1d(index, 'int32')), [batch, T, ...rest]));
  const tsTensor = ts instanceof tf.Tensor ? ts : null;
  const sol = solve(tsTensor ? startTime(f, y0, tsTensor, times[0], T) : y0, times);
  if (sol.ys.shape[0] !== U) {
    sol.ys.dispose();
    throw new OdeintError(
      'options.events',
      `${fn}: a terminal event stopped the solve before the last per-sample time. Fix: make the events non-terminal with per-sample ts, or solve each sample alone.`,
    );
  }
  let ys = gatherRows(sol.ys);
  if (tsTensor) {
    // ∂L/∂ts[b, i] = dL/dys[b, i] · f(ts[b, i], y)[b]: f at each union time on the whole batch state, gathered.
    const outputs = tf.customGrad((...args: unknown[]) => {
      const [value, , union, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
      save([union]);
      return {
        value: tf.clone(value),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const g = dy as tf.Tensor;
          const F = tf.tidy(() => {
            const states = tf.unstack(saved[0]);
            return gatherRows(tf.stack(states.map((y, j) => tf.reshape(f(tf.scalar(times[j]), y), y.shape))));
          });
          const dts = tf.tidy(() => (rest.length ? tf.sum(tf.mul(g, F), rest.map((_, i) => i + 2)) : tf.mul(g, F)));
          F.dispose();
          return [tf.clone(g), dts, tf.zerosLike(saved[0])];
        },
      };
    });
    const wrapped = outputs(ys, tsTensor, sol.ys) as tf.Tensor;
    ys.dispose();
    ys = wrapped;
  }
  sol.ys.dispose();
  // The solution object keeps its getters (gradientStats); only `ys` changes.
  sol.ys = ys;
  return sol;
}

/**
 * `y0` passed through unchanged, with the start time's share of `ts`' gradient: moving the common start moves every
 * trajectory, `∂L/∂ts[b, 0] −= a0[b] · f(t0, y0)[b]` for the whole gradient `a0` reaching `y0` (as for 1-D times).
 */
function startTime(f: TensorField, y0: tf.Tensor, ts: tf.Tensor, t0: number, T: number): tf.Tensor {
  const rest = y0.shape.slice(1);
  const start = tf.customGrad((...args: unknown[]) => {
    const [x, , save] = args as [tf.Tensor, tf.Tensor, (t: tf.Tensor[]) => void];
    save([x]);
    return {
      value: tf.clone(x),
      gradFunc: (a: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dts = tf.tidy(() => {
          const prod = tf.mul(a as tf.Tensor, tf.reshape(f(tf.scalar(t0), saved[0]), saved[0].shape));
          const col = tf.neg(rest.length ? tf.sum(prod, rest.map((_, i) => i + 1)) : prod);
          const first = tf.reshape(col, [y0.shape[0], 1]);
          return T > 1 ? tf.concat([first, tf.zeros([y0.shape[0], T - 1])], 1) : first;
        });
        return [tf.clone(a as tf.Tensor), dts];
      },
    };
  });
  return start(y0, ts) as tf.Tensor;
}
