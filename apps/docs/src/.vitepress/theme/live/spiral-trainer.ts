// Fits the spiral's neural ODE in the browser (or in Node, for the tests) with @neural-ode/odeint on
// whatever TensorFlow.js backend is active. The model is the CLI's: f(z) = W2 (W1 z) + b2.
import * as tf from '@tensorflow/tfjs-core';
import { odeint, odeintAdjoint, type MethodName } from '@neural-ode/odeint';
import { mulberry32, type SpiralData } from './spiral-data';

/** How the live page trains. */
export interface SpiralTrainerOptions {
  /** Seed of the weight initialisation and of the window sampling. */
  seed: number;
  /** Adam's learning rate. */
  lr: number;
  /** odeint method of the training solves. */
  method: MethodName;
  /** `adjoint`: odeintAdjoint (memory flat in the steps); `backprop`: odeint through the tape. */
  gradient: 'adjoint' | 'backprop';
  /** Windows per iteration; all start at random observations and share one relative time grid. */
  batchSize: number;
  /** Observations per window (consecutive, so ~0.095 time units apart). */
  windowPoints: number;
  /** Relative and absolute tolerance of the adaptive methods. */
  tol: number;
}

/** Defaults chosen to learn visibly within seconds on the cpu/wasm backends. */
export const defaultSpiralTrainerOptions: SpiralTrainerOptions = {
  seed: 0,
  lr: 0.05,
  method: 'dopri5',
  // The tape is the faster choice for a 10-parameter model on short windows; the page offers both.
  gradient: 'backprop',
  batchSize: 16,
  windowPoints: 20,
  tol: 1e-4,
};

/** One training iteration's report. */
export interface SpiralStep {
  /** Iteration number, from 1. */
  iteration: number;
  /** Mean squared error of the batch's predicted windows against the noisy observations. */
  loss: number;
  /** Function evaluations of the forward solve (the solver's own count). */
  nfe: number;
}

/** A variable with PyTorch's `nn.Linear` initialisation: U(-1/√fan_in, 1/√fan_in), from a seeded generator. */
function linearInit(uniform: () => number, shape: number[], fanIn: number): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Float32Array.from({ length: size }, () => (2 * uniform() - 1) * bound);
  const initial = tf.tensor(values, shape);
  const variable = tf.variable(initial, true);
  initial.dispose();
  return variable;
}

/** The neural ODE and its optimiser; call {@link SpiralTrainer.dispose} when done. */
export class SpiralTrainer {
  readonly options: SpiralTrainerOptions;
  private readonly data: SpiralData;
  private readonly uniform: () => number;
  /** Weights as PyTorch `[out, in]`: f(z) = W2 (W1 z) + b2. */
  private readonly w1: tf.Variable;
  private readonly w2: tf.Variable;
  private readonly b2: tf.Variable;
  private readonly optimizer: tf.AdamOptimizer;
  private readonly relTimes: number[];
  private iteration = 0;

  constructor(data: SpiralData, options: Partial<SpiralTrainerOptions> = {}) {
    this.options = { ...defaultSpiralTrainerOptions, ...options };
    this.data = data;
    this.uniform = mulberry32(this.options.seed + 1);
    this.w1 = linearInit(this.uniform, [2, 2], 2);
    this.w2 = linearInit(this.uniform, [2, 2], 2);
    this.b2 = linearInit(this.uniform, [2], 2);
    this.optimizer = tf.train.adam(this.options.lr);
    const dt = data.ts[1] - data.ts[0];
    this.relTimes = Array.from({ length: this.options.windowPoints }, (_, k) => k * dt);
  }

  /** The vector field on a batch of states z: [B, 2] → [B, 2]. */
  private readonly field = (_t: tf.Scalar, z: tf.Tensor): tf.Tensor =>
    tf.add(tf.matMul(tf.matMul(z, this.w1, false, true), this.w2, false, true), this.b2);

  /** One Adam step on a fresh batch of windows. */
  step(): SpiralStep {
    const { batchSize, windowPoints, method, tol, gradient } = this.options;
    const n = this.data.ts.length;
    const starts = Array.from({ length: batchSize }, () => Math.floor(this.uniform() * (n - windowPoints)));
    const y0 = new Float32Array(batchSize * 2);
    const target = new Float32Array(windowPoints * batchSize * 2);
    starts.forEach((s, b) => {
      y0[2 * b] = this.data.observed[2 * s];
      y0[2 * b + 1] = this.data.observed[2 * s + 1];
      for (let k = 0; k < windowPoints; k++) {
        target[(k * batchSize + b) * 2] = this.data.observed[2 * (s + k)];
        target[(k * batchSize + b) * 2 + 1] = this.data.observed[2 * (s + k) + 1];
      }
    });
    let nfe = 0;
    const lossTensor = tf.tidy(() => {
      const y0t = tf.tensor2d(y0, [batchSize, 2]);
      const targett = tf.tensor3d(target, [windowPoints, batchSize, 2]);
      const solverOptions = { method, rtol: tol, atol: tol };
      return this.optimizer.minimize(() => {
        const sol =
          gradient === 'adjoint'
            ? odeintAdjoint(this.field, y0t, this.relTimes, { ...solverOptions, params: [this.w1, this.w2, this.b2] })
            : odeint(this.field, y0t, this.relTimes, solverOptions);
        nfe = sol.stats.nfe;
        return tf.mean(tf.squaredDifference(sol.ys, targett)) as tf.Scalar;
      }, true)!;
    });
    const loss = lossTensor.dataSync()[0];
    lossTensor.dispose();
    this.iteration += 1;
    return { iteration: this.iteration, loss, nfe };
  }

  /** The learned weights as plain numbers (PyTorch layout). */
  weights(): { w1: number[]; w2: number[]; b2: number[] } {
    return {
      w1: Array.from(this.w1.dataSync()),
      w2: Array.from(this.w2.dataSync()),
      b2: Array.from(this.b2.dataSync()),
    };
  }

  /**
   * The learned trajectory from z0 over every observation time, solved on the float64 path of odeint
   * with the current weights (no tensors, no tape): row-major [ts.length, 2].
   */
  trajectory(): Float64Array {
    const { w1, w2, b2 } = this.weights();
    // f(z) = W2 (W1 z) + b2 = A z + b2 with A = W2 W1.
    const a00 = w2[0] * w1[0] + w2[1] * w1[2];
    const a01 = w2[0] * w1[1] + w2[1] * w1[3];
    const a10 = w2[2] * w1[0] + w2[3] * w1[2];
    const a11 = w2[2] * w1[1] + w2[3] * w1[3];
    const sol = odeint(
      (_t: number, z: Float64Array) => [a00 * z[0] + a01 * z[1] + b2[0], a10 * z[0] + a11 * z[1] + b2[1]],
      this.data.z0,
      this.data.ts,
      { method: 'dopri5', rtol: 1e-7, atol: 1e-9 },
    );
    const out = new Float64Array(this.data.ts.length * 2);
    sol.ys.forEach((y: Float64Array, i: number) => {
      out[2 * i] = y[0];
      out[2 * i + 1] = y[1];
    });
    return out;
  }

  /** RMSE (over both coordinates at every time) of {@link SpiralTrainer.trajectory} against the noise-free spiral. */
  rmse(trajectory: Float64Array = this.trajectory()): number {
    let sum = 0;
    for (let i = 0; i < trajectory.length; i++) sum += (trajectory[i] - this.data.truth[i]) ** 2;
    return Math.sqrt(sum / trajectory.length);
  }

  /** Frees the variables and the optimiser state. */
  dispose(): void {
    this.optimizer.dispose();
    this.w1.dispose();
    this.w2.dispose();
    this.b2.dispose();
  }
}
