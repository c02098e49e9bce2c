import * as tf from '@tensorflow/tfjs-core';
import { odeint, type GradientStats, type OdeintTensorSolution, type Solver } from '@neural-ode/odeint';
import { odeBlockSolver, type OdeBlockOptions } from '../solver';
import { withPrefix, type NamedWeight } from '../weights';
import type { OdeDynamics, OdeFunc } from './ode-func';

/** `tf.customGrad`'s parameter type, whose declared signature cannot name the tensors one by one. */
type CustomGradient = Parameters<typeof tf.customGrad>[0];

/** Function evaluations of an {@link OdeBlock}'s last passes. */
export interface NfeCounts {
  /** Evaluations of the dynamics during the last forward pass (`apply`). */
  forward: number;
  /**
   * Vector–Jacobian products of the dynamics computed since the last forward pass ended, i.e. by its backward
   * pass: one per recorded evaluation with `tape` and `checkpoint` (whose replays also re-evaluate the dynamics, as
   * {@link OdeBlock.gradientStats} counts), one per augmented-dynamics evaluation with `backsolve`. 0 until a gradient
   * is taken.
   */
  backward: number;
}

/**
 * An ODE block: the state at t = 1 of dx/dt = func(t, x), x(0) = input, integrated with `@neural-ode/odeint`'s
 * `odeint` in the solver's gradient mode (`tape`, `checkpoint` or `backsolve`, with the function's trainable weights as
 * parameters). PyTorch names: `func.*`.
 */
export class OdeBlock {
  /** The dynamics. */
  readonly func: OdeFunc;
  /** The solver (gradient mode included), validated once here and passed to every solve unchanged. */
  readonly solver: Solver;
  private forwardCalls = 0;
  private backwardCalls = 0;
  private lastForward = 0;
  private lastStats: { nfe: number; nAccepted: number; nRejected: number } | null = null;
  private lastSolution: OdeintTensorSolution | null = null;

  /**
   * `who` names the owner in errors, e.g. `odenet`.
   * @param func - the dynamics f(t, x) to integrate; its trainable weights are the parameters the gradient mode
   *   differentiates.
   * @param options - `solver`: a `Solver` from `@neural-ode/odeint` or its settings (validated here once; `gradient`
   *   defaults to `checkpoint`; a fixed-step method needs `stepSize` or `grid`).
   * @param who - the owner named in error messages, e.g. `odenet`; default `OdeBlock`.
   */
  constructor(func: OdeFunc, options: OdeBlockOptions, who = 'OdeBlock') {
    this.func = func;
    this.solver = odeBlockSolver(options.solver, `${who} (solver)`);
  }

  /** NFE of the last forward pass and of the backward pass that followed it. */
  get nfe(): NfeCounts {
    return { forward: this.lastForward, backward: this.backwardCalls };
  }

  /** The solver's statistics of the last forward pass (accepted and rejected steps), or `null` before one. */
  get stats(): { nfe: number; nAccepted: number; nRejected: number } | null {
    return this.lastStats;
  }

  /**
   * The gradient mode's counters of the backward pass that followed the last forward pass (`checkpoint`: checkpoints,
   * replayed steps and evaluations, peak bytes; `backsolve`: the backward solve's steps and its reconstruction error),
   * or `null` (mode `tape`, or no gradient taken yet).
   */
  get gradientStats(): GradientStats | null {
    return this.lastSolution?.gradientStats ?? null;
  }

  /**
   * `x`: the state at t = 0 → the state at t = 1, same shape.
   * @param x - the state at t = 0, `[batch, h, w, c]` (image) or `[batch, length, c]` (text).
   * @param context - `training`: passed to the dynamics on every evaluation (for `text`, BatchNorm uses batch
   *   statistics and updates its running averages each time).
   */
  apply<T extends tf.Tensor>(x: T, { training }: { training: boolean }): T {
    this.forwardCalls = 0;
    this.backwardCalls = 0;
    const countVjp = tf.customGrad(((y: tf.Tensor) => ({
      value: tf.clone(y),
      gradFunc: (dy: tf.Tensor) => {
        this.backwardCalls++;
        return [dy];
      },
    })) as unknown as CustomGradient);
    const s = this.solver;
    const result = tf.tidy(() => {
      // With the tape, the dynamics are bound once per solve (weights split, time maps computed) and every stage
      // records only its own work. Checkpoint replays and the backsolve differentiate each evaluation of f against
      // the variables themselves, so there f reads them directly.
      const dynamics: OdeDynamics = s.gradient.mode === 'tape' ? this.func.bind(x.shape) : (t, y, mode) => this.func.apply(t, y, mode);
      const f = (t: tf.Scalar, y: tf.Tensor): tf.Tensor => {
        this.forwardCalls++;
        return tf.tidy(() => countVjp(dynamics(t, y, { training })));
      };
      const params = this.func
        .namedWeights()
        .filter((w) => w.trainable)
        .map((w) => w.variable);
      const solution = odeint(f, x, [0, 1], s, { params });
      this.lastSolution = solution;
      const { ys, stats } = solution;
      this.lastStats = { nfe: stats.nfe, nAccepted: stats.nAccepted, nRejected: stats.nRejected };
      // unstack, not slice: its gradient is a stack, a slice's a pad (slow on the CPU backends).
      return tf.unstack(ys)[1] as T;
    });
    this.lastForward = this.forwardCalls;
    return result;
  }

  /** The dynamics' weights under `func.`. */
  namedWeights(): NamedWeight[] {
    return withPrefix('func', this.func.namedWeights());
  }
}
