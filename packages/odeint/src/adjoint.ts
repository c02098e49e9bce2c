import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { integrate, type SolveStats } from './integrate';
import { METHODS, tableauOf, type MethodName } from './methods';
import { odeintOptionsSchema, parseOptions } from './options';
import { isAdaptive, isSolver, resolvedSettings, solver, type Solver, type SolverInput } from './solver';
import { OdeintError, SolveError, show } from './errors';
import { checkTimes } from './times';
import { tensorAlgebra, type TensorState } from './tensor-algebra';
import { checkTensorState, readTimes, type TensorField } from './tensor-field';
import { solveTensor, type TensorSolution } from './odeint-tensor';
import { nestedGradients } from './checkpoint';
import { differentiableSolution, untaped, type StatesAt } from './states-at';
import { DEFAULT_CHECK_TOLERANCE } from './gradient';
import { smallestTolerance } from './tolerances';

const positive = (what: string) => z.number().refine((v) => v > 0 && !Number.isNaN(v), { message: `${what} must be > 0` });

/** The options of {@link odeintAdjoint} that are not the forward solver's settings. */
const adjointOnlySchema = z
  .object({
    /** The variables `f` reads; gradients reach them (and only them) through the adjoint. */
    params: z.array(z.custom<tf.Variable>((v) => v instanceof tf.Tensor, { message: 'every param must be a tf.Variable' })).optional(),
    /** Method of the backward solve (default: the forward `method`). */
    adjointMethod: z.enum(METHODS as [MethodName, ...MethodName[]]).optional(),
    /** Relative tolerance of the backward solve (default: `rtol` when it is a number, else its smallest value). */
    adjointRtol: positive('adjointRtol').optional(),
    /** Absolute tolerance of the backward solve (default: like `adjointRtol`, from `atol`). */
    adjointAtol: positive('adjointAtol').optional(),
    /** Step size of the backward solve for fixed-step methods (default: `stepSize`). */
    adjointStepSize: positive('adjointStepSize').optional(),
    /**
     * Error norm of the backward solve over (state, adjoint, parameter gradients): `mixed` (the largest RMS of
     * the three, torchdiffeq's default) or `seminorm` (ignores the parameter gradients: fewer steps, Kidger et al. 2021).
     */
    adjointNorm: z.enum(['mixed', 'seminorm']).default('mixed'),
    /**
     * The forward solve's {@link Solver} (from `solver(...)`), instead of its settings written inline in these
     * options: it is used as it is.
     */
    solver: z.custom<Solver>(isSolver, { message: "must be a Solver made by solver({...}); or write the solver's settings inline" }).optional(),
    /**
     * The backward solve's solver (a {@link Solver} or its settings), instead of the `adjoint*` keys; by default the
     * forward solver with the adjoint tolerances.
     */
    backward: z
      .custom<Solver | SolverInput>((v) => isSolver(v) || (typeof v === 'object' && v !== null && !Array.isArray(v)), {
        message: "must be a Solver or an object of solver settings such as { method: 'dopri5', rtol: 1e-6 }",
      })
      .optional(),
    /**
     * When the backward solve's reconstruction of a forward state is off by more than `checkTolerance`: `warn`
     * (once per solver value), `throw` (a `SolveError` with reason `inaccurate-gradient`) or `off`.
     */
    check: z.enum(['warn', 'throw', 'off']).default('warn'),
    /** The largest relative reconstruction error `‖ŷ − y‖ / (‖y‖ + atol)` accepted (RMS norms). */
    checkTolerance: positive('checkTolerance').default(DEFAULT_CHECK_TOLERANCE),
  })
  .strict();

const ADJOINT_KEYS = Object.keys(adjointOnlySchema.shape);

/**
 * Options of {@link odeintAdjoint}: those of `odeint` plus the parameters `f` reads and the settings of the
 * backward (adjoint) solve, which default to the forward ones.
 */
export const odeintAdjointOptionsSchema = z.object({ ...odeintOptionsSchema.shape, ...adjointOnlySchema.shape }).strict();

/** Options of {@link odeintAdjoint} as written by a caller. */
export type OdeintAdjointOptions = z.input<typeof odeintAdjointOptionsSchema>;

/** Result of {@link odeintAdjoint}: like `odeint`'s, plus the backward solve's counters once a gradient ran. */
export interface AdjointSolution extends TensorSolution {
  /** Counters of the backward (adjoint) solve, summed over all intervals; `null` until a gradient is computed. */
  adjointStats: BacksolveStats | null;
}

/** Counters of a backsolve gradient: the backward solve's, and how well it reconstructed the forward states. */
export interface BacksolveStats extends SolveStats {
  /**
   * The largest relative error `‖ŷ − y‖ / (‖y‖ + atol)` (RMS norms) of the backward solve's reconstruction ŷ of a
   * forward state y, over the output times before the last (`y0` included). Large values mean the adjoint was
   * integrated along a wrong trajectory: the gradient cannot be trusted (use the `checkpoint` gradient mode).
   */
  reconstructionError: number;
  /** The output time at which `reconstructionError` occurred. */
  reconstructionErrorAt: number;
}

/** The settings of a backsolve gradient, resolved. */
export interface BacksolveSettings {
  forward: Solver;
  backward: Solver;
  norm: 'mixed' | 'seminorm';
  check: 'warn' | 'throw' | 'off';
  checkTolerance: number;
}

const ADJOINT_FIXES: Record<string, string> = {
  params: 'pass the tf.Variable objects that f reads, e.g. model.trainableWeights',
  adjointMethod: `use one of: ${METHODS.join(', ')}`,
  adjointRtol: 'use a positive number such as 1e-6',
  adjointAtol: 'use a positive number such as 1e-8',
  adjointStepSize: 'use a positive step such as 0.01',
  adjointNorm: "use 'mixed' or 'seminorm'",
  solver: 'pass solver({...}), or leave it out and write the settings inline',
  backward: "pass solver({...}) or settings such as { method: 'dopri5', rtol: 1e-6 }",
  check: "use 'warn', 'throw' or 'off'",
  checkTolerance: 'use a positive relative error such as 0.1',
};

/**
 * Vector-Jacobian products of `f` at `(t, y)` with the adjoint `a`: returns `f(t, y)`, `aᵀ∂f/∂y` and
 * `aᵀ∂f/∂θ` for each parameter θ (zeros where `f` does not use it).
 */
function vjp(f: TensorField, t: number, yRow: tf.Tensor2D, aRow: tf.Tensor2D, shape: number[], params: tf.Variable[]): tf.Tensor[] {
  const { value, grads } = nestedGradients(() => f(tf.scalar(t), tf.reshape(yRow, shape)), [yRow, ...params], tf.reshape(aRow, shape));
  return [value, ...grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? yRow : params[i - 1]))];
}

/**
 * Solves like `odeint` on tensors, but computes gradients with the adjoint method: the backward pass
 * integrates the augmented system (state, adjoint, parameter gradients) from the last time to the first,
 * so memory does not grow with the number of steps. Gradients reach `y0` and the variables listed in
 * `options.params` (pass every variable `f` reads).
 * @param f - the right-hand side `(t: tf.Scalar, y: tf.Tensor) => tf.Tensor`, returning a tensor of `y`'s shape;
 *   pure, reading the variables in `options.params` only inside.
 * @param y0 - the initial state at `ts[0]`, a `tf.Tensor` of any shape; the gradient reaches it.
 * @param ts - the output times (an array or a `Tensor1D`), strictly increasing or strictly decreasing.
 * @param options - odeint's settings plus `params` (every variable `f` reads: the gradient reaches them) and the
 *   adjoint's own (`adjointRtol`, `adjointAtol`, `adjointNorm`, …); the table below lists them.
 */
export function odeintAdjoint(f: TensorField, y0: tf.Tensor, ts: ArrayLike<number> | tf.Tensor1D, options?: OdeintAdjointOptions): AdjointSolution {
  const fn = 'odeintAdjoint';
  if (!(y0 instanceof tf.Tensor)) {
    throw new OdeintError('y0', `${fn}: y0 = ${show(y0)} is not a tf.Tensor. Fix: pass a tensor (use odeint for float64 arrays).`);
  }
  const { params, ...settings } = adjointSettings(fn, options);
  return backsolve(fn, f, y0, ts, params, settings);
}

/**
 * The backsolve gradient (shared by {@link odeintAdjoint} and the `backsolve` gradient mode): the forward solve runs
 * off the tape, and the outputs are a `tf.customGrad` whose backward pass integrates the augmented system backwards.
 *
 * Events and dense output: the events are located in the forward solve; their states are outputs of the same
 * backward pass as `ys` (their times added to its output times), and their `time` follows from the state by the
 * implicit function theorem. `evaluate` reads the dense output's kept steps off the tape; each call's gradient is one
 * more backward solve from its latest time to the start, through its times (memory constant in the steps, but the
 * kept steps themselves cost memory ∝ steps).
 */
export function backsolve(
  fn: string,
  f: TensorField,
  y0: tf.Tensor,
  ts: ArrayLike<number> | tf.Tensor1D,
  given: readonly tf.Variable[] | undefined,
  settings: BacksolveSettings,
): AdjointSolution {
  const params = [...(given ?? [])];
  const forwardOpts = resolvedSettings(settings.forward);
  checkParams(fn, params);
  const { shape, n } = checkTensorState(fn, y0);
  const { ts: times, direction } = checkTimes(fn, readTimes(fn, ts));
  if (given === undefined) checkNoHiddenVariables(fn, f, times[0], y0);

  const fwd = untaped(() => solveTensor(fn, f, y0, times, forwardOpts));
  const solution: AdjointSolution = { ys: fwd.ys, stats: fwd.stats, adjointStats: null };
  const statesAt: StatesAt = (outTimes, values) => {
    const op = tf.customGrad((...args: unknown[]) => {
      const save = args[args.length - 1] as (ts: tf.Tensor[]) => void;
      save([values]);
      return {
        value: tf.clone(values),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => backward(f, dy as tf.Tensor, saved[0], outTimes, shape, n, params, settings, solution),
      };
    });
    return op(y0, ...params) as tf.Tensor2D;
  };
  return Object.assign(solution, differentiableSolution(fwd, times, direction, shape, forwardOpts.events, statesAt));
}

/** Checks that `params` are float32 variables. */
export function checkParams(fn: string, params: readonly tf.Variable[]): void {
  if (!Array.isArray(params)) throw new OdeintError('options.params', `${fn}: options.params = ${show(params)} is not an array. Fix: pass e.g. model.trainableWeights.`);
  params.forEach((p, i) => {
    if (!(p instanceof tf.Tensor)) throw new OdeintError('options.params', `${fn}: options.params[${i}] = ${show(p)} is not a tf.Variable. Fix: pass the variables f reads.`);
    if (p.dtype !== 'float32') {
      throw new OdeintError('options.params', `${fn}: options.params[${i}] has dtype ${p.dtype}. Fix: pass float32 variables only.`);
    }
  });
}

/**
 * Without `options.params`, gradients reach only `y0`: a trainable variable that `f` reads would get none, and tfjs
 * would later say only "Cannot find a connection between any variable and the result". One evaluation of `f` under
 * the tape finds such variables and names them. `params: []` says that this is intended and skips the check.
 */
export function checkNoHiddenVariables(fn: string, f: TensorField, t0: number, y0: tf.Tensor): void {
  const trainable = Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
  if (trainable.length === 0) return;
  const read = tf.tidy(() => {
    try {
      return Object.keys(tf.variableGrads(() => tf.sum(f(tf.scalar(t0), y0)), trainable).grads);
    } catch {
      return []; // no trainable variable reaches f's value
    }
  }) as string[];
  if (read.length > 0) {
    throw new OdeintError(
      'options.params',
      `${fn}: f reads the trainable variable(s) ${read.map((n) => `'${n}'`).join(', ')}, but options.params is not given, so no gradient would reach them. ` +
        'Fix: pass params: [the variables f reads] (e.g. model.trainableWeights), or params: [] to differentiate with respect to y0 only.',
    );
  }
}

/**
 * Splits `odeintAdjoint`'s options into the forward {@link Solver}, the backward one, the parameters and the norm.
 * The backward solver is `options.backward`, else the forward one with the `adjoint*` keys applied; a key that does
 * not apply to the backward method (a step size for an adaptive one, tolerances for a fixed one) is an error.
 */
function adjointSettings(fn: string, options: OdeintAdjointOptions | undefined) {
  const given: Record<string, unknown> = options ?? {};
  const own: Record<string, unknown> = {};
  const inline: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) (ADJOINT_KEYS.includes(k) ? own : inline)[k] = v;
  const a = parseOptions(fn, adjointOnlySchema, own, ADJOINT_FIXES);
  if (a.solver && Object.keys(inline).length > 0) {
    const key = Object.keys(inline)[0];
    throw new OdeintError(`options.${key}`, `${fn}: options.${key} is given beside options.solver. Fix: put it in solver({...}), or leave options.solver out.`);
  }
  const forward = a.solver ?? solver(inline as SolverInput, fn);
  const flat = (['adjointMethod', 'adjointRtol', 'adjointAtol', 'adjointStepSize'] as const).filter((k) => a[k] !== undefined);
  if (a.backward !== undefined && flat.length > 0) {
    throw new OdeintError(`options.${flat[0]}`, `${fn}: options.${flat[0]} is given beside options.backward. Fix: put it in options.backward.`);
  }
  const common = { forward, params: a.params, norm: a.adjointNorm, check: a.check, checkTolerance: a.checkTolerance };
  if (a.backward !== undefined) return { ...common, backward: solver(a.backward, `${fn} (options.backward)`) };
  return { ...common, backward: defaultBackward(fn, forward, a) };
}

/**
 * The backward solver a backsolve uses when none is given: the forward one with the `adjoint*` keys applied (the
 * smallest of the forward tolerances by default); a key that does not apply to the backward method is an error.
 */
export function defaultBackward(
  fn: string,
  forward: Solver,
  a: { adjointMethod?: MethodName; adjointRtol?: number; adjointAtol?: number; adjointStepSize?: number } = {},
): Solver {
  const method: MethodName = a.adjointMethod ?? forward.method;
  const { stepping: _stepping, method: _method, gradient: _gradient, ...rest } = forward as Solver & Record<string, unknown>;
  let input: Record<string, unknown>;
  if (isAdaptive(method)) {
    if (a.adjointStepSize !== undefined) {
      throw new OdeintError('options.adjointStepSize', `${fn}: options.adjointStepSize does not apply to the adaptive backward method '${method}'. Fix: remove it, or set a fixed adjointMethod such as rk4.`);
    }
    const base = forward.stepping === 'adaptive' ? rest : { maxSteps: forward.maxSteps, jumpTimes: forward.jumpTimes, stepTimes: forward.stepTimes };
    const { firstStep: _first, ...inherited } = base as Record<string, unknown>;
    input = {
      ...inherited,
      method,
      ...(forward.stepping === 'adaptive' ? { rtol: smallestTolerance(forward.rtol), atol: smallestTolerance(forward.atol) } : {}),
      ...(a.adjointRtol !== undefined ? { rtol: a.adjointRtol } : {}),
      ...(a.adjointAtol !== undefined ? { atol: a.adjointAtol } : {}),
    };
  } else {
    for (const k of ['adjointRtol', 'adjointAtol'] as const) {
      if (a[k] !== undefined) {
        throw new OdeintError(`options.${k}`, `${fn}: options.${k} does not apply to the fixed-step backward method '${method}'. Fix: remove it, or use adjointStepSize.`);
      }
    }
    const stepSize = a.adjointStepSize ?? (forward.stepping === 'fixed' ? forward.stepSize : undefined);
    // Without a step size of its own, a fixed backward solve after a fixed forward one steps on the forward grid.
    const grid = a.adjointStepSize === undefined && forward.stepping === 'fixed' ? forward.grid : undefined;
    if (stepSize === undefined && grid === undefined && a.adjointMethod !== undefined && forward.stepping === 'adaptive') {
      throw new OdeintError(
        'options.adjointStepSize',
        `${fn}: the backward method '${method}' is fixed-step but no step size is given (it would take one step per output interval). Fix: set adjointStepSize, e.g. 0.05.`,
      );
    }
    input = { method, maxSteps: forward.maxSteps, jumpTimes: forward.jumpTimes, stepTimes: forward.stepTimes, ...(stepSize !== undefined ? { stepSize } : {}), ...(grid !== undefined ? { grid } : {}) };
  }
  return solver(input as SolverInput, `${fn} (backward solve)`);
}

/** The backward pass: returns the gradients for `[y0, ...params]`. */
function backward(
  f: TensorField,
  dy: tf.Tensor,
  ys: tf.Tensor,
  times: Float64Array,
  shape: number[],
  n: number,
  params: tf.Variable[],
  settings: BacksolveSettings,
  solution: AdjointSolution,
): tf.Tensor[] {
  const fn = 'odeintAdjoint (backward pass)';
  const opts = resolvedSettings(settings.backward);
  const N = times.length;
  const stats: BacksolveStats = { nfe: 0, nAccepted: 0, nRejected: 0, nSteps: 0, firstStep: 0, lastStep: 0, reconstructionError: 0, reconstructionErrorAt: times[0] };
  const dyRows = tf.tidy(() => tf.reshape(dy, [N, n]));
  const ysRows = tf.tidy(() => tf.reshape(ys, [N, n]));
  const row = (m: tf.Tensor, i: number) => tf.slice(m, [i, 0], [1, n]) as tf.Tensor2D;
  const sizes = params.map((p) => p.size);
  const atol = [opts.atol as number, opts.atol as number, ...sizes.map(() => opts.atol as number)];
  const rtol = [opts.rtol as number, opts.rtol as number, ...sizes.map(() => opts.rtol as number)];
  const alg = tensorAlgebra({ atol, rtol, norm: settings.norm, normComponents: 2 });
  const floor = smallestTolerance(opts.atol);
  const field = (t: number, s: TensorState): TensorState =>
    tf.tidy(() => {
      const [fy, gy, ...gp] = vjp(f, t, s[0], s[1], shape, params);
      return [
        tf.reshape(fy, [1, n]) as tf.Tensor2D,
        tf.reshape(tf.neg(gy), [1, n]) as tf.Tensor2D,
        ...gp.map((g, i) => tf.reshape(tf.neg(g), [1, sizes[i]]) as tf.Tensor2D),
      ];
    });
  let state: TensorState = [row(ysRows, N - 1), row(dyRows, N - 1), ...sizes.map((s) => tf.zeros([1, s]) as tf.Tensor2D)];
  try {
    for (let i = N - 1; i > 0; i--) {
      const span = Float64Array.of(times[i], times[i - 1]);
      const res = integrate(alg, field, state, span, span[1] > span[0] ? 1 : -1, tableauOf(opts.method, fn), opts, { fn });
      stats.nfe += res.stats.nfe;
      stats.nAccepted += res.stats.nAccepted;
      stats.nRejected += res.stats.nRejected;
      stats.nSteps += res.stats.nSteps;
      if (i === N - 1) stats.firstStep = res.stats.firstStep;
      stats.lastStep = res.stats.lastStep;
      alg.dispose(res.ys[0]);
      const end = res.ys[1];
      if (settings.check !== 'off') {
        const error = reconstructionError(end[0], row(ysRows, i - 1), floor);
        if (!(error <= stats.reconstructionError)) {
          stats.reconstructionError = error;
          stats.reconstructionErrorAt = times[i - 1];
        }
      }
      alg.dispose(state);
      // Restart from the forward pass's state at t[i-1] (more accurate than the backward-integrated one) and
      // add the loss's direct sensitivity to ys[i-1].
      const a = tf.tidy(() => tf.add(end[1], row(dyRows, i - 1)) as tf.Tensor2D);
      state = [row(ysRows, i - 1), a, ...end.slice(2)];
      end[0].dispose();
      end[1].dispose();
    }
    solution.adjointStats = stats;
    if (settings.check !== 'off' && !(stats.reconstructionError <= settings.checkTolerance)) reportInaccurate(settings, stats);
    return [tf.reshape(state[1], shape), ...params.map((p, i) => tf.reshape(state[2 + i], p.shape))];
  } finally {
    alg.dispose(state);
    dyRows.dispose();
    ysRows.dispose();
  }
}

/** `‖ŷ − y‖ / (‖y‖ + floor)` with RMS norms, read to the host (one read per output interval); frees the row `y`. */
function reconstructionError(reconstructed: tf.Tensor2D, y: tf.Tensor2D, floor: number): number {
  const [diff, size] = tf.tidy(() => [tf.sqrt(tf.mean(tf.square(tf.sub(reconstructed, y)))), tf.sqrt(tf.mean(tf.square(y)))]).map((t) => {
    const v = t.dataSync()[0];
    t.dispose();
    return v;
  });
  y.dispose();
  return diff / (size + floor);
}

/** Forward solvers whose inaccurate backsolve was already reported by a warning. */
const warned = new WeakSet<Solver>();

/** Warns (once per forward solver) or throws that the backward solve did not reconstruct the forward states. */
function reportInaccurate(settings: BacksolveSettings, stats: BacksolveStats): void {
  const message =
    `backsolve gradient: the backward solve reconstructed the state at t = ${stats.reconstructionErrorAt} with a relative error of ` +
    `${stats.reconstructionError.toPrecision(3)} (tolerance ${settings.checkTolerance}): the adjoint was integrated along a wrong trajectory, ` +
    'so the gradient cannot be trusted (a fast-decaying mode grows backwards in time). ' +
    "Fix: use solver({ ..., gradient: 'checkpoint' }) for exact gradients at about √n memory, or tighten the backward solver's rtol/atol.";
  if (settings.check === 'throw') throw new SolveError('inaccurate-gradient', stats.reconstructionErrorAt, stats.lastStep, message);
  if (warned.has(settings.forward)) return;
  warned.add(settings.forward);
  console.warn(`${message} (Warned once per solver value; the figure is in the gradient stats every time.)`);
}
