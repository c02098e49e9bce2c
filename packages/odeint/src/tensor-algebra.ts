import * as tf from '@tensorflow/tfjs-core';
import type { StateAlgebra } from './algebra';

/**
 * A tensor state: a list of components, each flattened to a `[1, n]` row so that a stage combination is
 * one `concat` + one `matMul` + one `add` whatever the number of stages.
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
  const combineOne = (y: tf.Tensor2D | null, h: number, ks: readonly TensorState[], w: readonly number[], c: number): tf.Tensor2D =>
    tf.tidy(() => {
      const idx: number[] = [];
      for (let j = 0; j < w.length; j++) if (h * w[j] !== 0) idx.push(j);
      let sum: tf.Tensor2D;
      if (idx.length === 0) return y ? tf.clone(y) : tf.zerosLike(ks[0][c]);
      if (idx.length === 1) sum = tf.mul(ks[idx[0]][c], tf.scalar(h * w[idx[0]]));
      else {
        const K = tf.concat(idx.map((j) => ks[j][c]), 0);
        sum = tf.matMul(tf.tensor2d(idx.map((j) => h * w[j]), [1, idx.length]), K);
      }
      return y ? tf.add(y, sum) : sum;
    });
  const scale = (c: number, ref: tf.Tensor): tf.Tensor => tf.add(o.atol[c], tf.mul(o.rtol[c], ref));
  // Reduces per-component scaled errors to one number, off the tape, with one host read. NaN/Inf anywhere in
  // `probe` makes the result NaN (max() alone would skip a NaN).
  const hostNorm = (anchor: tf.Tensor, build: () => { scaled: tf.Tensor[]; probe: readonly tf.Tensor[] }): number =>
    tf.tidy(() => {
      const r = untaped(anchor, () =>
        tf.tidy(() => {
          const { scaled, probe } = build();
          const count = o.norm === 'seminorm' ? Math.min(o.normComponents ?? scaled.length, scaled.length) : scaled.length;
          const used = scaled.slice(0, count);
          let norm: tf.Tensor;
          if (o.norm === 'max') norm = tf.max(tf.stack(used.map((s) => tf.max(tf.abs(s)))));
          else if (o.norm === 'rms') {
            const total = used.reduce((acc, s) => acc + s.size, 0);
            norm = tf.sqrt(tf.div(used.length === 1 ? tf.sum(tf.square(used[0])) : tf.addN(used.map((s) => tf.sum(tf.square(s)))), total));
          } else norm = used.length === 1 ? tf.sqrt(tf.mean(tf.square(used[0]))) : tf.max(tf.stack(used.map((s) => tf.sqrt(tf.mean(tf.square(s))))));
          const sums = probe.map((p) => tf.sum(p));
          return tf.add(norm, tf.mul(sums.length === 1 ? sums[0] : tf.addN(sums), 0));
        }),
      );
      o.onHostRead?.();
      return r.dataSync()[0];
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
