import * as tf from '@tensorflow/tfjs-core';
import { odeint, odeintAdjoint, solver, type Solver } from '@neural-ode/odeint';
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
   * Vector–Jacobian products of the dynamics computed since the last forward pass ended, i.e. by its
   * backward pass: one per augmented-dynamics evaluation with `adjoint`, one per recorded evaluation when
   * backpropagating through the solver. 0 until a gradient is taken.
   */
  backward: number;
}

/**
 * An ODE block: the state at t = 1 of dx/dt = func(t, x), x(0) = input, integrated with
 * `@neural-ode/odeint` (`odeint`, or `odeintAdjoint` with the function's trainable weights as parameters).
 * PyTorch names: `func.*`.
 */
export class OdeBlock {
  /** The dynamics. */
  readonly func: OdeFunc;
  /** The forward solver, validated once here and passed to every solve unchanged. */
  readonly solver: Solver;
  /** Gradients by the adjoint method instead of backprop through the solver. */
  readonly adjoint: boolean;
  /** The adjoint's backward solver (`undefined`: odeint derives it from the forward one). */
  readonly backward: Solver | undefined;
  private readonly adjointNorm: 'mixed' | 'seminorm' | undefined;
  private forwardCalls = 0;
  private backwardCalls = 0;
  private lastForward = 0;
  private lastStats: { nfe: number; nAccepted: number; nRejected: number } | null = null;

  /** `who` names the owner in errors, e.g. `odenet`. */
  constructor(func: OdeFunc, options: OdeBlockOptions, who = 'OdeBlock') {
    this.func = func;
    this.solver = odeBlockSolver(options.solver, `${who} (solver)`);
    this.adjoint = options.adjoint;
    if (!options.adjoint && (options.backward !== undefined || options.adjointNorm !== undefined)) {
      const key = options.backward !== undefined ? 'backward' : 'adjointNorm';
      throw new Error(`${who}: option '${key}' applies to the adjoint's backward solve, but adjoint is false. Fix: set adjoint: true, or remove ${key}.`);
    }
    this.backward = options.backward === undefined ? undefined : solver(options.backward, `${who} (backward)`);
    this.adjointNorm = options.adjointNorm;
  }

  /** NFE of the last forward pass and of the backward pass that followed it. */
  get nfe(): NfeCounts {
    return { forward: this.lastForward, backward: this.backwardCalls };
  }

  /** The solver's statistics of the last forward pass (accepted and rejected steps), or `null` before one. */
  get stats(): { nfe: number; nAccepted: number; nRejected: number } | null {
    return this.lastStats;
  }

  /** `x`: the state at t = 0 → the state at t = 1, same shape. */
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
    const { adjoint, backward, adjointNorm, solver: forward } = this;
    const result = tf.tidy(() => {
      // Backprop through the solver: the dynamics are bound once per solve (weights split, time maps computed)
      // and every stage records only its own work. The adjoint re-evaluates f against the variables themselves.
      const dynamics: OdeDynamics = adjoint ? (t, y, mode) => this.func.apply(t, y, mode) : this.func.bind(x.shape);
      const f = (t: tf.Scalar, y: tf.Tensor): tf.Tensor => {
        this.forwardCalls++;
        return tf.tidy(() => countVjp(dynamics(t, y, { training })));
      };
      const ts = [0, 1];
      const params = this.func
        .namedWeights()
        .filter((w) => w.trainable)
        .map((w) => w.variable);
      const { ys, stats } = adjoint
        ? odeintAdjoint(f, x, ts, {
            solver: forward,
            params,
            ...(backward !== undefined ? { backward } : {}),
            ...(adjointNorm !== undefined ? { adjointNorm } : {}),
          })
        : odeint(f, x, ts, forward);
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
