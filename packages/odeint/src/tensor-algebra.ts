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
 * @param anchor - a tensor the custom gradient takes as its input; it receives a zero gradient (any tensor of the
 *   computation will do).
 * @param fn - the computation to run off the tape; returns the result tensor.
 */
export function untaped(anchor: tf.Tensor, fn: () => tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: fn(),
    gradFunc: () => tf.zerosLike(args[0] as tf.Tensor),
  }));
  return op(anchor);
}

/**
 * `Σ_j coef[j] · rows[j]` for `[1, n]` rows: forward one scaled copy per row (none for a coefficient of 1) and
 * one `addN`; backward (a custom gradient) `coef[j] · dy` for each row, one `mul` per row (or a zero-copy clone
 * for a coefficient of 1). The stock gradient of the same ops would record every `mul` and the `addN` on the
 * tape; a `concat` + `matMul` forward costs a copy of all rows and a GEMM that CPU backends run far slower than
 * the few memory passes here (measured: 6.6 ms against under 1 ms per combination of 300k-element rows on
 * 'native').
 */
export function linearCombination(rows: readonly tf.Tensor2D[], coef: readonly number[]): tf.Tensor2D {
  const m = rows.length;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, m) as tf.Tensor2D[];
    return {
      value: tf.addN(xs.map((x, j) => (coef[j] === 1 ? x : tf.mul(x, tf.scalar(coef[j]))))),
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
  /**
   * Where error norms are taken: `host` reads the stages and reduces in JS (float64), `device` reduces with
   * tensor ops and reads one number; `auto` (default) is `host` on tfjs's 'cpu' backend (JS kernels) and
   * `device` elsewhere.
   */
  normOn?: 'auto' | 'host' | 'device';
  /** Counts the solver's own host reads (for the benchmark). */
  onHostRead?: () => void;
}

/**
 * Backends on which the error norm is faster in JS than as tensor ops: tfjs's plain 'cpu' backend, whose
 * elementwise kernels are JS loops with broadcasting index arithmetic (measured on a 295k-element state: 15 ms
 * on the host against 72 ms in kernels). Backends with compiled kernels (native, wasm) and GPU backends reduce
 * on the device (native: 4.5 ms; wasm: 11 ms against 21 ms on the host).
 */
const HOST_BACKENDS = new Set(['cpu']);

/** One component of a norm taken on the host: `‖err / (atol + rtol·max(|ref|, |ref2|))‖`, `probe` checked finite. */
interface HostPart {
  err: Float32Array | Float64Array;
  ref: Float32Array;
  ref2?: Float32Array;
  probe: Float32Array;
}

/**
 * A scaled norm over the components on the host, in float64, reduced as the algebra's norm says. Components
 * past `seminorm`'s `normComponents` are only probed. NaN when an error or a probed element is not finite, as
 * on the device path.
 */
function hostScaledNorm(o: TensorAlgebraOptions, components: number, part: (c: number, measured: boolean) => HostPart): number {
  const used = o.norm === 'seminorm' ? Math.min(o.normComponents ?? components, components) : components;
  let total = 0;
  let count = 0;
  let largest = 0;
  for (let c = 0; c < components; c++) {
    const { err, ref, ref2, probe } = part(c, c < used);
    let check = 0; // Σ probe·0: NaN exactly when some element is NaN or ±Inf
    for (let i = 0; i < probe.length; i++) check += probe[i] * 0;
    if (check !== 0) return Number.NaN;
    if (c >= used) continue;
    const atol = o.atol[c];
    const rtol = o.rtol[c];
    const atolRow = typeof atol === 'number' ? null : (atol.dataSync() as Float32Array);
    const rtolRow = typeof rtol === 'number' ? null : (rtol.dataSync() as Float32Array);
    const at = typeof atol === 'number' ? atol : 0;
    const rt = typeof rtol === 'number' ? rtol : 0;
    let sum = 0;
    let max = 0;
    for (let i = 0; i < err.length; i++) {
      const r = ref2 ? Math.max(Math.abs(ref[i]), Math.abs(ref2[i])) : Math.abs(ref[i]);
      const e = Math.abs(err[i]) / ((atolRow ? atolRow[i] : at) + (rtolRow ? rtolRow[i] : rt) * r);
      sum += e * e;
      if (e > max) max = e;
    }
    if (!Number.isFinite(sum)) return Number.NaN;
    if (o.norm === 'rms') {
      total += sum;
      count += err.length;
    } else largest = Math.max(largest, o.norm === 'max' ? max : Math.sqrt(sum / err.length));
  }
  return o.norm === 'rms' ? Math.sqrt(total / count) : largest;
}

/** `h Σ w_j k_j` of one component on the host, in float64 (the error estimate, which is never differentiated). */
function hostCombination(h: number, ks: readonly TensorState[], w: readonly number[], c: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < w.length; j++) {
    if (w[j] === 0) continue;
    const k = ks[j][c].dataSync() as Float32Array;
    const hw = h * w[j];
    for (let i = 0; i < n; i++) out[i] += hw * k[i];
  }
  return out;
}

/**
 * {@link StateAlgebra} on lists of float32 tensors; every method returns new tensors and frees its temporaries.
 * @param o - the per-component `atol` and `rtol` (numbers or `[1, n]` rows), the `norm`, and optionally
 *   `normComponents`, `normOn` and `onHostRead`.
 */
export function tensorAlgebra(o: TensorAlgebraOptions): StateAlgebra<TensorState> {
  // y + h Σ w_j k_j as one linearCombination: one recorded op whatever the number of stages.
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
  // Reduces per-component scaled errors to one number on the device, off the tape, with one host read. RMS
  // norms reduce to mean squares on the device and take the square root on the host.
  const deviceNorm = (anchor: tf.Tensor, build: () => { scaled: tf.Tensor[]; probe: readonly tf.Tensor[] }): number =>
    tf.tidy(() => {
      const r = untaped(anchor, () =>
        tf.tidy(() => {
          const { scaled, probe } = build();
          const count = o.norm === 'seminorm' ? Math.min(o.normComponents ?? scaled.length, scaled.length) : scaled.length;
          const used = scaled.slice(0, count);
          let m: tf.Tensor;
          if (o.norm === 'max') m = used.length === 1 ? tf.max(tf.abs(used[0])) : tf.max(tf.stack(used.map((s) => tf.max(tf.abs(s)))));
          else if (used.length === 1) m = tf.mean(tf.square(used[0]));
          else if (o.norm === 'rms') m = tf.div(tf.addN(used.map((s) => tf.sum(tf.square(s)))), used.reduce((acc, s) => acc + s.size, 0));
          else m = tf.max(tf.stack(used.map((s) => tf.mean(tf.square(s)))));
          // + 0 · Σ (probe and measured errors): NaN when either holds a NaN or ±Inf (max() may skip a NaN, and an
          // infinite y1 only enlarges the scale), as on the host path.
          return tf.add(m, tf.mul(tf.addN([...probe, ...used].map((p) => tf.sum(p))), 0));
        }),
      );
      o.onHostRead?.();
      const v = r.dataSync()[0];
      return o.norm === 'max' ? v : Math.sqrt(v);
    });
  const hostResident = () => (o.normOn ?? 'auto') === 'host' || ((o.normOn ?? 'auto') === 'auto' && HOST_BACKENDS.has(tf.getBackend()));
  return {
    combine: (y, h, ks, w) => ks[0].map((_, c) => combineOne(y ? y[c] : null, h, ks, w, c)),
    errorRatio(h, ks, bErr, y0, y1) {
      if (hostResident()) {
        o.onHostRead?.();
        return hostScaledNorm(o, y0.length, (c, measured) => {
          const probe = y1[c].dataSync() as Float32Array;
          if (!measured) return { err: probe, ref: probe, probe };
          return { err: hostCombination(h, ks, bErr, c, probe.length), ref: y0[c].dataSync() as Float32Array, ref2: probe, probe };
        });
      }
      return deviceNorm(y1[0], () => ({
        scaled: y0.map((y0c, c) => tf.div(combineOne(null, h, ks, bErr, c), scale(c, tf.maximum(tf.abs(y0c), tf.abs(y1[c]))))),
        probe: y1,
      }));
    },
    scaledNorm(v, y) {
      if (hostResident()) {
        o.onHostRead?.();
        return hostScaledNorm(o, v.length, (c) => {
          const err = v[c].dataSync() as Float32Array;
          return { err, ref: y[c].dataSync() as Float32Array, probe: err };
        });
      }
      return deviceNorm(y[0], () => ({ scaled: v.map((vc, c) => tf.div(vc, scale(c, tf.abs(y[c])))), probe: v }));
    },
    allFinite(y) {
      const r = tf.tidy(() => tf.addN(y.map((c) => tf.mul(tf.sum(c), 0))));
      o.onHostRead?.();
      const v = r.dataSync()[0];
      r.dispose();
      return Number.isFinite(v);
    },
    cheapFiniteCheck: false,
    combineMany(y, h, ks, ws) {
      const s = Math.max(...ws.map((w) => w.length));
      const W = new Float32Array(ws.length * s);
      ws.forEach((w, i) => w.forEach((v, j) => (W[i * s + j] = h * v)));
      // Per component: [m, s] × [s, n] + y, split into m rows; every op has a gradient (the tape records 4 ops).
      const parts = y.map((yc, c) =>
        tf.tidy(() => tf.split(tf.add(yc, tf.matMul(tf.tensor2d(W, [ws.length, s]), tf.concat(ks.slice(0, s).map((k) => k[c]), 0))), ws.length, 0) as tf.Tensor2D[]),
      );
      return ws.map((_, i) => parts.map((p) => p[i]));
    },
    copy: (y) => y.map((c) => tf.clone(c)),
    dispose: (y) => {
      for (const c of y) c.dispose();
    },
  };
}
