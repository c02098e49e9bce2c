import * as tf from '@tensorflow/tfjs-core';
import type { StateAlgebra } from './algebra';

/**
 * A tensor state: a list of components, each flattened to a `[1, n]` row so that a stage combination is
 * one `concat` + one `matMul` whatever the number of stages.
 */
export type TensorState = tf.Tensor2D[];

/** How the error of a multi-component state is measured. */
export type TensorNorm = 'rms' | 'max' | 'mixed' | 'seminorm';

/** Tolerance of one component: a number or a `[1, n]` tensor (per element). */
export type ComponentTolerance = number | tf.Tensor2D;

/**
 * Runs `fn` without recording it on the gradient tape (tfjs has no `stopGradient`): the body runs as the
 * forward pass of a `customGrad` whose gradient is zero, and ops inside a kernel are never taped.
 */
export function untaped(anchor: tf.Tensor, fn: () => tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: fn(),
    gradFunc: () => tf.zerosLike(args[0] as tf.Tensor),
  }));
  return op(anchor);
}

/**
 * `Σ_j coef[j] · rows[j]` for `[1, n]` rows: forward one `concat` + one `matMul` of the weight row with the
 * stacked rows; backward (a custom gradient) `coef[j] · dy` for each row, one `mul` per row (or a zero-copy
 * clone for a coefficient of 1). The stock gradient of concat + matMul costs two `BatchMatMul`s, a `SplitV`
 * and more, and dominated the backward pass of the solver's own work on large states.
 */
export function linearCombination(rows: readonly tf.Tensor2D[], coef: readonly number[]): tf.Tensor2D {
  const m = rows.length;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, m) as tf.Tensor2D[];
    return {
      value: tf.matMul(tf.tensor2d(coef as number[], [1, m]), tf.concat(xs, 0)),
      gradFunc: (dy: tf.Tensor) => coef.map((c) => (c === 1 ? tf.clone(dy) : tf.mul(dy, tf.scalar(c)))),
    };
  });
  return op(...rows) as tf.Tensor2D;
}

/** Options of {@link tensorAlgebra}. */
export interface TensorAlgebraOptions {
  /** Absolute tolerance of each component. */
  atol: ComponentTolerance[];
  /** Relative tolerance of each component. */
  rtol: ComponentTolerance[];
  /** `rms`/`max` over all elements, `mixed`: the largest per-component RMS, `seminorm`: `mixed` over the first `normComponents` only. */
  norm: TensorNorm;
  /** Components that `seminorm` measures (the adjoint's state and adjoint, not its parameter gradients). */
  normComponents?: number;
  /** Counts the solver's own host reads (for the benchmark). */
  onHostRead?: () => void;
}

/** {@link StateAlgebra} on lists of float32 tensors; every method returns new tensors and frees its temporaries. */
export function tensorAlgebra(o: TensorAlgebraOptions): StateAlgebra<TensorState> {
  // y + h Σ w_j k_j as ONE matMul of the weight row [1, h·w_j…] with the stacked rows [y; k_j…]: two kernels
  // (concat, matMul) whatever the number of stages.
  const combineOne = (y: tf.Tensor2D | null, h: number, ks: readonly TensorState[], w: readonly number[], c: number): tf.Tensor2D =>
    tf.tidy(() => {
      const rows: tf.Tensor2D[] = y ? [y] : [];
      const coef: number[] = y ? [1] : [];
      for (let j = 0; j < w.length; j++) {
        if (h * w[j] === 0) continue;
        rows.push(ks[j][c]);
        coef.push(h * w[j]);
      }
      if (rows.length === 0) return tf.zerosLike(ks[0][c]);
      if (rows.length === 1) return coef[0] === 1 ? tf.clone(rows[0]) : tf.mul(rows[0], tf.scalar(coef[0]));
      return linearCombination(rows, coef);
    });
  const scale = (c: number, ref: tf.Tensor): tf.Tensor => tf.add(o.atol[c], tf.mul(o.rtol[c], ref));
  // Reduces per-component scaled errors to one number, off the tape, with one host read. RMS norms reduce to
  // mean squares on the device and take the square root on the host; NaN/Inf propagate into the result (for the
  // max norm through an explicit probe, since max() skips NaN).
  const hostNorm = (anchor: tf.Tensor, build: () => { scaled: tf.Tensor[]; probe: readonly tf.Tensor[] }): number =>
    tf.tidy(() => {
      const r = untaped(anchor, () =>
        tf.tidy(() => {
          const { scaled, probe } = build();
          const count = o.norm === 'seminorm' ? Math.min(o.normComponents ?? scaled.length, scaled.length) : scaled.length;
          const used = scaled.slice(0, count);
          if (o.norm === 'max') {
            const m = used.length === 1 ? tf.max(tf.abs(used[0])) : tf.max(tf.stack(used.map((s) => tf.max(tf.abs(s)))));
            const sums = probe.map((p) => tf.sum(p));
            return tf.add(m, tf.mul(sums.length === 1 ? sums[0] : tf.addN(sums), 0));
          }
          if (used.length === 1) return tf.mean(tf.square(used[0]));
          if (o.norm === 'rms') {
            const total = used.reduce((acc, s) => acc + s.size, 0);
            return tf.div(tf.addN(used.map((s) => tf.sum(tf.square(s)))), total);
          }
          // max() may skip a NaN: add 0 · Σ (which does not) so a non-finite part still shows.
          const parts = tf.stack(used.map((s) => tf.mean(tf.square(s))));
          return tf.add(tf.max(parts), tf.mul(tf.sum(parts), 0));
        }),
      );
      o.onHostRead?.();
      const v = r.dataSync()[0];
      return o.norm === 'max' ? v : Math.sqrt(v);
    });
  return {
    combine: (y, h, ks, w) => ks[0].map((_, c) => combineOne(y ? y[c] : null, h, ks, w, c)),
    errorRatio: (h, ks, bErr, y0, y1) =>
      hostNorm(y1[0], () => ({
        scaled: y0.map((y0c, c) => tf.div(combineOne(null, h, ks, bErr, c), scale(c, tf.maximum(tf.abs(y0c), tf.abs(y1[c]))))),
        probe: y1,
      })),
    scaledNorm: (v, y) => hostNorm(y[0], () => ({ scaled: v.map((vc, c) => tf.div(vc, scale(c, tf.abs(y[c])))), probe: v })),
    allFinite(y) {
      const r = tf.tidy(() => tf.addN(y.map((c) => tf.mul(tf.sum(c), 0))));
      o.onHostRead?.();
      const v = r.dataSync()[0];
      r.dispose();
      return Number.isFinite(v);
    },
    cheapFiniteCheck: false,
    copy: (y) => y.map((c) => tf.clone(c)),
    dispose: (y) => {
      for (const c of y) c.dispose();
    },
  };
}
