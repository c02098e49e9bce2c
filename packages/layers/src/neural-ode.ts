import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';
import { GRADIENT_MODES, isSolver, odeint, solver, type GradientInput, type GradientStats, type SolveStats, type Solver, type SolverInput } from '@neural-ode/odeint';
import { z } from 'zod';
import { DelegatingLayer } from './delegating-layer';
import { withOdeTime } from './ode-time';
import { parseLayerOptions } from './options';

type Shape = (number | null)[];

/** `tf.customGrad`'s parameter type, whose declared signature cannot name the tensors one by one. */
type CustomGradient = Parameters<typeof tf.customGrad>[0];

/** A gradient mode of `@neural-ode/odeint`: `tape`, `checkpoint` or `backsolve`. */
export type GradientMode = (typeof GRADIENT_MODES)[number];

const isLayer = (v: unknown): v is tfl.layers.Layer =>
  typeof v === 'object' && v !== null && typeof (v as tfl.layers.Layer).apply === 'function' && typeof (v as tfl.layers.Layer).getConfig === 'function' && 'trainableWeights' in v;
const isSettings = (v: unknown): boolean => isSolver(v) || (typeof v === 'object' && v !== null && !Array.isArray(v));
const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const shape = z.array(z.number().int().positive().nullable());

/** Options of {@link neuralOde} (besides them it takes tfjs's layer arguments `name`, `trainable`, `inputShape`, …). */
export const neuralOdeOptionsSchema = z
  .object({
    /**
     * The dynamics `dy/dt = dynamics(y)`: a `tf.layers.Layer` or `tf.LayersModel` mapping the state to its derivative
     * (same shape). Time-dependent dynamics read `t` through `concatDense`, `concatConv1d` or `concatConv2d`.
     */
    dynamics: z.custom<tfl.layers.Layer>(isLayer, { message: 'must be a tf.layers.Layer or tf.LayersModel (e.g. tf.sequential({ layers: [...] }))' }),
    /** The solver: a `Solver` from `@neural-ode/odeint`'s `solver({...})` (used as it is) or its settings (validated once). */
    solver: z.custom<Solver | SolverInput>(isSettings, {
      message: "must be a Solver from @neural-ode/odeint's solver({...}) or its settings, e.g. { method: 'rk4', stepSize: 0.25 }",
    }),
    /**
     * How gradients are computed, passed to odeint as the solver's gradient mode: `tape` (odeint's default),
     * `checkpoint`, `backsolve`, or an object with the mode and its settings (`{ mode: 'checkpoint', checkpoints: 8 }`).
     * Only with solver settings: a `Solver` value carries its own (`solver({ ..., gradient })`).
     */
    gradient: z
      .custom<GradientInput>((v) => typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v)), {
        message: `must be one of ${GRADIENT_MODES.map((m) => `'${m}'`).join(', ')} or an object such as { mode: 'checkpoint', checkpoints: 8 }`,
      })
      .optional(),
    /** Start time of the integration. */
    t0: finite.default(0),
    /** End time: the layer outputs the state at `t1` (default 1). Not together with `outputTimes`. */
    t1: finite.optional(),
    /**
     * Times to output the state at, strictly monotonic and beyond `t0`: the output gains a time axis after the batch
     * axis (`[batch, outputTimes.length, ...state]`, as an RNN with `returnSequences`). `outputTimes[0]` may equal `t0`.
     */
    outputTimes: z.array(finite).min(1).optional(),
    /** tfjs layer argument: the layer's name (unique in a model; its weights are named under it). */
    name: z.string().optional(),
    /** tfjs layer argument: `false` freezes the dynamics' weights (as setting `layer.trainable = false`). */
    trainable: z.boolean().optional(),
    /** tfjs layer argument: the state's shape without the batch axis, when this is a model's first layer. */
    inputShape: shape.optional(),
    /** tfjs layer argument: the state's shape with the batch axis (`null` for any batch size). */
    batchInputShape: shape.optional(),
    /** tfjs layer argument: a fixed batch size, with `inputShape`. */
    batchSize: z.number().int().positive().optional(),
    /** tfjs layer argument: the state's dtype (float32 only: odeint's tensor states are float32). */
    dtype: z.literal('float32').optional(),
  })
  .strict();

/** Options of {@link neuralOde} as accepted. */
export type NeuralOdeOptions = z.input<typeof neuralOdeOptionsSchema>;

/** Function evaluations of a {@link NeuralOde} layer's last batch. */
export interface NfeCounts {
  /** Evaluations of the dynamics by the last forward solve. */
  forward: number;
  /**
   * Vector–Jacobian products of the dynamics by the backward pass that followed it: one per evaluation that reached
   * the output (`tape`), one per evaluation of the adjoint system (`backsolve`). 0 until a gradient is taken.
   */
  backward: number;
}

/** The fields of {@link neuralOdeOptionsSchema} that are tfjs layer arguments. */
const LAYER_KEYS = ['name', 'trainable', 'inputShape', 'batchInputShape', 'batchSize', 'dtype'] as const;

/**
 * A neural ODE as a `tf.layers` layer: input `y(t0)`, output `y(t1)` (or `y` at every `outputTimes`) of
 * `dy/dt = dynamics(y)`, solved by `@neural-ode/odeint`. Its weights are the dynamics' weights: `model.fit`,
 * `model.trainableWeights`, regularizers, `layer.trainable = false` and `model.save` see them. Make one with
 * {@link neuralOde}.
 */
export class NeuralOde extends DelegatingLayer {
  /** The name tfjs serializes the layer under. */
  static className = 'NeuralOde';

  /** The solver, validated once and passed to every solve unchanged. */
  readonly solver: Solver;
  /** Start time. */
  readonly t0: number;
  /** End time (the last output time when `outputTimes` is given). */
  readonly t1: number;
  /** Output times, or `undefined` for the state at `t1` alone. */
  readonly outputTimes: readonly number[] | undefined;
  private counts: NfeCounts = { forward: 0, backward: 0 };
  private lastSolve: { stats: SolveStats; readonly gradientStats: GradientStats | null } | null = null;

  /**
   * Builds the layer; prefer {@link neuralOde}.
   * @param options - the `neuralOde` options: `dynamics`, `solver` (and `gradient`), `t0` and `t1` or `outputTimes`,
   *   and tfjs layer arguments; validated here, a bad one throws naming it.
   */
  constructor(options: NeuralOdeOptions) {
    const o = parseLayerOptions('neuralOde', neuralOdeOptionsSchema, options);
    const layerArgs: Record<string, unknown> = {};
    for (const k of LAYER_KEYS) if (o[k] !== undefined) layerArgs[k] = o[k];
    super(layerArgs, o.dynamics);
    this.solver = layerSolver(o.solver, o.gradient);
    this.t0 = o.t0;
    if (o.outputTimes !== undefined && o.t1 !== undefined) {
      throw new Error(`neuralOde: options 't1' (${o.t1}) and 'outputTimes' both set where the solve ends. Fix: give one of them (the last output time is the end).`);
    }
    if (o.outputTimes !== undefined) checkOutputTimes(o.t0, o.outputTimes);
    this.outputTimes = o.outputTimes === undefined ? undefined : Object.freeze(o.outputTimes.slice());
    this.t1 = o.outputTimes === undefined ? (o.t1 ?? 1) : o.outputTimes[o.outputTimes.length - 1];
    if (this.t1 === this.t0) {
      throw new Error(`neuralOde: option 't1' equals 't0' (${this.t0}): the layer would be the identity. Fix: choose t1 ≠ t0 (default t0 = 0, t1 = 1).`);
    }
  }

  /** The dynamics (the layer or model that holds the weights). */
  get dynamics(): tfl.layers.Layer {
    return this.inner;
  }

  /** How gradients are computed: the solver's gradient mode. */
  get gradient(): GradientMode {
    return this.solver.gradient.mode;
  }

  /** Function evaluations of the last batch: its forward solve and the backward pass that followed it. */
  get nfe(): NfeCounts {
    return { ...this.counts };
  }

  /**
   * The solver's counters of the last forward solve, and of its backward pass once a gradient ran (`checkpoint` and
   * `backsolve`: odeint's `gradientStats`; `null` for `tape`).
   */
  get stats(): { stats: SolveStats; gradientStats: GradientStats | null } | null {
    const last = this.lastSolve;
    return last && { stats: { ...last.stats }, gradientStats: last.gradientStats };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    let out: Shape;
    if (this.inner.built) {
      out = this.inner.computeOutputShape(s) as Shape;
    } else {
      // Applying the dynamics to a symbolic input builds it in its own name scope (weights `<ode>/<layer>/kernel`).
      out = (this.inner.apply(tfl.input({ batchShape: s })) as tfl.SymbolicTensor).shape;
    }
    if (JSON.stringify(out.slice(1)) !== JSON.stringify(s.slice(1))) {
      throw new Error(
        `neuralOde: the dynamics map inputs of shape ${JSON.stringify(s)} to ${JSON.stringify(out)}; dy/dt must have the shape of y. ` +
          'Fix: make the last layer of the dynamics output as many features/channels as its input has.',
      );
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return this.outputTimes === undefined ? s : [s[0], this.outputTimes.length, ...s.slice(1)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const training = kwargs.training === true;
    const counts: NfeCounts = { forward: 0, backward: 0 };
    this.counts = counts;
    // The identity, whose gradient counts one vector–Jacobian product of the dynamics each time it runs.
    const countVjp = tf.customGrad(((y: tf.Tensor) => ({
      value: tf.clone(y),
      gradFunc: (dy: tf.Tensor) => {
        counts.backward++;
        return [dy];
      },
    })) as unknown as CustomGradient);
    const dynamics = this.inner;
    const f = (t: tf.Scalar, y: tf.Tensor): tf.Tensor =>
      tf.tidy(() => withOdeTime(t, () => countVjp(dynamics.apply(y, { training }) as tf.Tensor) as tf.Tensor));
    const prepend = this.outputTimes !== undefined && this.outputTimes[0] !== this.t0;
    const ts = this.outputTimes === undefined ? [this.t0, this.t1] : prepend ? [this.t0, ...this.outputTimes] : this.outputTimes.slice();
    return tf.tidy(() => {
      // The tape finds the weights itself; checkpoint and backsolve differentiate with respect to those listed.
      const params = this.gradient === 'tape' ? undefined : { params: this.inner.trainableWeights.map((w) => w.read() as tf.Variable) };
      const sol = odeint(f, x, ts, this.solver, params);
      this.lastSolve = sol;
      const ys = sol.ys;
      counts.forward = sol.stats.nfe;
      // unstack/stack, not slice: their gradients are each other, a slice's a pad (slow on the CPU backends).
      const states = tf.unstack(ys);
      return this.outputTimes === undefined ? states[states.length - 1] : tf.stack(prepend ? states.slice(1) : states, 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dynamics: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      solver: solverConfig(this.solver),
      t0: this.t0,
      ...(this.outputTimes === undefined ? { t1: this.t1 } : { outputTimes: this.outputTimes.slice() }),
    };
  }

  /**
   * Rebuilds the layer from {@link getConfig}'s output, dynamics included (their classes must be registered).
   * @param cls - the class to build (`NeuralOde`), as tfjs's deserializer passes it.
   * @param config - the output of `getConfig()`: the dynamics' class name and config, the saved solver, `t0` and `t1`
   *   or `outputTimes`, and the layer arguments.
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    // tfjs's deserializer passes the custom objects in the config; they are the dynamics' to use.
    const { dynamics, customObjects, ...rest } = config as {
      dynamics: { className: string; config: tf.serialization.ConfigDict };
      customObjects?: tf.serialization.ConfigDict;
      solver: unknown;
    };
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[dynamics.className];
    if (entry === undefined) {
      throw new Error(
        `NeuralOde.fromConfig: the dynamics' class '${dynamics.className}' is not registered with tf.serialization. ` +
          'Fix: import the module that defines it (and calls tf.serialization.registerClass) before loading the model.',
      );
    }
    const [dynamicsClass, fromConfig] = entry;
    rest.solver = solverFromConfig(rest.solver);
    // Models' fromConfig takes (customObjects, fastWeightInit) as well; layers' ignore them.
    const layer = (fromConfig as unknown as (c: unknown, config: tf.serialization.ConfigDict, custom: object, fast: boolean) => tfl.layers.Layer)(dynamicsClass, dynamics.config, customObjects ?? {}, false);
    return new cls({ ...rest, dynamics: layer } as unknown as tf.serialization.ConfigDict);
  }
}
tf.serialization.registerClass(NeuralOde);

/**
 * The solver in a layer's config: its JSON, which `solver()` reads back to the same value, as the string under a
 * `name` key. A saved model's topology has every string value snake-cased except those under `name` (`controller:
 * 'PID'` would come back as `'pID'`), so the JSON travels there untouched.
 */
function solverConfig(s: Solver): tf.serialization.ConfigDict {
  return { name: JSON.stringify(s) };
}

function solverFromConfig(config: unknown): Solver | SolverInput {
  const json = (config as { name?: unknown } | null)?.name;
  if (typeof json !== 'string') {
    throw new Error(`NeuralOde.fromConfig: config.solver = ${JSON.stringify(config)} is not a saved solver ({ name: <the solver's JSON> }). Fix: pass a config written by NeuralOde.getConfig().`);
  }
  return JSON.parse(json) as SolverInput;
}

/**
 * The layer's solver, validated once: the settings with `gradient` as their gradient mode, or a `Solver` as it is (its
 * gradient mode is its own: `gradient` beside it is an error). A fixed-step method needs a step size or grid (else it
 * would take one step from t0 to t1).
 */
function layerSolver(input: Solver | SolverInput, gradient: GradientInput | undefined): Solver {
  if (gradient !== undefined && isSolver(input)) {
    throw new Error(
      `neuralOde: option 'gradient' (${JSON.stringify(gradient)}) is given beside a Solver value, which has its own gradient mode ('${input.gradient.mode}'). ` +
        `Fix: build the solver with solver({ ..., gradient: ${JSON.stringify(gradient)} }), or pass its settings instead of the Solver.`,
    );
  }
  if (gradient !== undefined && (input as SolverInput).gradient !== undefined) {
    throw new Error(`neuralOde: options 'gradient' and 'solver.gradient' both set the gradient mode. Fix: give one of them.`);
  }
  const s = solver(isSolver(input) || gradient === undefined ? input : { ...input, gradient }, 'neuralOde (solver)');
  if (s.stepping === 'fixed' && s.stepSize === undefined && s.grid === undefined) {
    throw new Error(
      `neuralOde: solver.method '${s.method}' is fixed-step but no solver.stepSize (or grid) is given: it would step from output time to output time. Fix: pass e.g. stepSize: 0.25.`,
    );
  }
  return s;
}

function checkOutputTimes(t0: number, times: readonly number[]): void {
  const all = [t0, ...times];
  const direction = Math.sign(times[times.length - 1] - t0);
  for (let i = 1; i < all.length; i++) {
    if (i === 1 && all[1] === t0) continue;
    if (!(Math.sign(all[i] - all[i - 1]) === direction && direction !== 0)) {
      throw new Error(
        `neuralOde: option 'outputTimes' = ${JSON.stringify(times)} must be strictly monotonic and lie beyond t0 = ${t0} ` +
          `(${i === 1 ? `outputTimes[0] = ${all[1]}` : `outputTimes[${i - 2}] = ${all[i - 1]}, outputTimes[${i - 1}] = ${all[i]}`}). Fix: sort them, remove duplicates, and start at or after t0.`,
      );
    }
  }
}

/**
 * A neural ODE layer ({@link NeuralOde}): drop it into `tf.sequential` or a functional `tf.model` like any layer.
 *
 * @param options - `dynamics` (a layer or model from the state to its derivative), `solver` (a `Solver` or its
 *   settings), `gradient`, `t0`/`t1` or `outputTimes`, and tfjs's layer arguments (`name`, `trainable`, …); bad
 *   options are errors naming them.
 *
 * @example
 * ```ts
 * const ode = neuralOde({
 *   dynamics: tf.sequential({ layers: [concatDense({ units: 16, activation: 'tanh', inputShape: [2] }), concatDense({ units: 2 })] }),
 *   solver: { method: 'rk4', stepSize: 0.1 },
 * });
 * const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [2] }), ode] });
 * ```
 */
export function neuralOde(options: NeuralOdeOptions): NeuralOde {
  return new NeuralOde(options);
}
