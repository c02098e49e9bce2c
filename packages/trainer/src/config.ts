import { z } from 'zod';

import { datasetNames } from '@neural-ode/datasets';
import { modelNames, type ModelName } from '@neural-ode/models';
import { BACKEND_NAMES } from '@neural-ode/backend';
import { EXPLICIT_METHODS, isAdaptive, isSolver, isStiffMethod, METHODS, OdeintError, solver, type MethodName, type Solver, type SolverInput } from '@neural-ode/odeint';

/** Optimizers of the trainer (PyTorch semantics). */
export const OPTIMIZER_NAMES = ['sgd', 'adam', 'rmsprop'] as const;

/**
 * The experiments' ODE solver: what an ODE model of `train` integrates with when the run names no solver setting.
 *
 * `bosh3` (Bogacki–Shampine 3(2), adaptive) at `rtol = atol = 1e-2`, gradients by `checkpoint` (exact, as backprop
 * through the solver, at about √n of its memory for n steps). Chosen so that an ODE-Net epoch costs a few
 * ResNet(6) epochs rather than the reference's 19× (RK4 at step 0.04): ~17 function evaluations per forward pass at
 * initialisation and 11–14 while training, against 26 for dopri5 at 1e-2 and 32 for dopri5 at 1e-3; a full
 * Fashion-MNIST epoch measured 2.32× ResNet(6)'s at higher accuracy (`pnpm bench:train`, trainer README).
 *
 * These are the trainer's defaults, stated once: `@neural-ode/models` has none, and `@neural-ode/odeint`'s library
 * defaults (dopri5, 1e-7 / 1e-9) are for general ODEs, not for training classifiers. See {@link experimentSolver}
 * for how a partial setting is completed.
 */
export const EXPERIMENT_SOLVER = Object.freeze({ method: 'bosh3', rtol: 1e-2, atol: 1e-2, gradient: 'checkpoint' } as const satisfies SolverInput);

/**
 * Completes a run's solver settings with the experiments' defaults and validates them once with odeint's
 * `solver()`: a missing `method` is {@link EXPERIMENT_SOLVER}'s; an adaptive method without `rtol` / `atol` gets the
 * experiments' `1e-2`; a fixed-step method must say its `stepSize` (or `grid`); a missing `gradient` is `checkpoint`.
 * A `Solver` value is used as it is.
 * @param input - a `Solver` (used as it is) or partial solver settings to complete; default `{}`, i.e. the experiments'
 *   `bosh3` at rtol = atol = 1e-2 with `checkpoint` gradients.
 */
export function experimentSolver(input: Solver | SolverInput = {}): Solver {
  if (isSolver(input)) return input;
  const method: MethodName = input.method ?? EXPERIMENT_SOLVER.method;
  // An unknown method: odeint's error lists the valid ones.
  if (!(METHODS as readonly string[]).includes(method)) return solver({ ...input, method }, 'solver');
  // The ODE blocks integrate feature maps ([batch, h, w, c] or [batch, length, c]); the stiff methods solve float64
  // arrays and [batch, d] tensors only, and take neither checkpointed nor backsolve gradients.
  if (isStiffMethod(method)) {
    throw new OdeintError(
      'options.method',
      `solver.method '${method}' is a stiff method (float64 arrays and [batch, d] tensors only): the ODE models' states are feature maps. Fix: use an explicit method (${EXPLICIT_METHODS.join(', ')}).`,
    );
  }
  if (!isAdaptive(method)) {
    if (input.stepSize === undefined && input.grid === undefined) {
      throw new OdeintError('options.stepSize', `solver.method '${method}' is fixed-step: give its step size (solver.stepSize, --step-size, or the reference's --tol)`);
    }
    if (input.stepSize !== undefined && input.stepSize > 1) {
      throw new OdeintError(
        'options.stepSize',
        `solver.stepSize = ${input.stepSize} is longer than the ODE blocks' interval [0, 1]: it must be <= 1 (e.g. 0.25 for four steps)`,
      );
    }
    return solver({ gradient: EXPERIMENT_SOLVER.gradient, ...input, method }, 'solver');
  }
  return solver({ rtol: EXPERIMENT_SOLVER.rtol, atol: EXPERIMENT_SOLVER.atol, gradient: EXPERIMENT_SOLVER.gradient, ...input, method }, 'solver');
}

/** Zod schema of a run's solver: settings (or a `Solver`) in, the validated {@link Solver} out. */
const solverSetting = z
  .custom<Solver | SolverInput>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
    message: `must be an object of solver settings, e.g. {"method":"rk4","stepSize":0.25}`,
  })
  .transform((input, ctx): Solver => {
    try {
      return experimentSolver(input);
    } catch (error) {
      // odeint's message names the setting and the fix; the issue's path points at that setting in the run's config.
      const path = error instanceof OdeintError ? error.argument.replace(/^options\.?/, '').split('.').filter(Boolean) : [];
      ctx.addIssue({ code: 'custom', path, message: (error as Error).message.replace(/^solver: /, '') });
      return z.NEVER;
    }
  });

/**
 * The options of a `config.json` written by trainer 0.1 in today's shape: `solver.adjoint` becomes `solver.gradient`
 * (`backsolve` / `tape`, what 0.1 trained with), and the settings 0.1 filled in for the other stepping mode (`rtol` / `atol` of a fixed-step
 * method, `stepSize` of an adaptive one), which odeint now refuses, are dropped. Anything else is returned as it is.
 * @param stored - the `config` object read from a run's `config.json` (any version); a non-object is returned
 *   unchanged.
 */
export function upgradeStoredConfig(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null) return stored;
  const config = stored as Record<string, unknown>;
  const s = config.solver as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null || typeof s.adjoint !== 'boolean' || 'stepping' in s) return stored;
  const { adjoint, rtol, atol, stepSize, ...rest } = s;
  const fixed = typeof rest.method === 'string' && (METHODS as readonly string[]).includes(rest.method) && !isAdaptive(rest.method as MethodName);
  const gradient = adjoint ? 'backsolve' : 'tape';
  const solverNow = fixed ? { ...rest, gradient, ...(stepSize !== undefined ? { stepSize } : {}) } : { ...rest, gradient, ...(rtol !== undefined ? { rtol } : {}), ...(atol !== undefined ? { atol } : {}) };
  return { ...config, solver: solverNow };
}

/** Step learning-rate schedule: multiply the LR by `gamma` every `every` epochs (the reference: 40, ×0.1). */
export const stepLrScheduleSchema = z
  .object({
    type: z.literal('step'),
    /** Epochs between two decays. */
    every: z.number().int().positive().default(40),
    /** Factor applied at each decay. */
    gamma: z.number().positive().max(1).default(0.1),
  })
  .strict();

/** A constant learning rate. */
export const noLrScheduleSchema = z.object({ type: z.literal('none') }).strict();

/** Learning-rate schedule of a run. */
export const lrScheduleSchema = z.discriminatedUnion('type', [stepLrScheduleSchema, noLrScheduleSchema]);

/**
 * The resolved options of a training run: what `neural-ode train` flags and `--config file.json` become, and
 * what `config.json` in the run directory records. Strict: unknown keys are errors. Defaults follow the
 * reference study (SGD, lr 0.1, momentum 0.9, no weight decay, ×0.1 every 40 epochs, batch 128).
 */
export const trainConfigSchema = z
  .object({
    /** Dataset. */
    data: z.enum(datasetNames).default('mnist'),
    /** A local directory holding the dataset's files (no download). */
    dataDir: z.string().min(1).optional(),
    /** Download the dataset into the cache when it is not there. */
    download: z.boolean().default(true),
    /** Model: `resnet`/`odenet` for images, `vdcnn`/`vdcnn-ode` for ag-news. */
    model: z.enum(modelNames as [ModelName, ...ModelName[]]).default('resnet'),
    /** Residual blocks of `resnet` / `vdcnn` (ignored by the ODE models). */
    blocks: z.number().int().min(1).max(64).default(6),
    /** Character embedding width of `vdcnn` / `vdcnn-ode` (the reference's `--embd_size`; ignored by image models). */
    embeddingSize: z.number().int().min(1).default(16),
    /** Characters each ag-news text is truncated or padded to (the reference's `--seq_len`; ignored by image data). */
    seqLen: z.number().int().min(1).default(1014),
    /**
     * ODE solver of `odenet` / `vdcnn-ode`, gradient mode included: settings of `@neural-ode/odeint`'s `solver()`
     * (those that apply to the method), completed by {@link experimentSolver}; `config.json` records the resolved
     * solver, every setting.
     */
    solver: solverSetting.prefault({}),
    /** Optimizer. */
    optimizer: z.enum(OPTIMIZER_NAMES).default('sgd'),
    /** Initial learning rate. */
    lr: z.number().positive().default(0.1),
    /** SGD momentum (PyTorch semantics; `adam` and `rmsprop` ignore it). */
    momentum: z.number().min(0).max(1).default(0.9),
    /** L2 weight decay added to the gradient (PyTorch's `weight_decay`); 0 as in the reference scripts unless asked for. */
    weightDecay: z.number().min(0).default(0),
    /** Learning-rate schedule. */
    lrSchedule: lrScheduleSchema.default({ type: 'step', every: 40, gamma: 0.1 }),
    /** Epochs to train (in total, counting those of a resumed run). */
    epochs: z.number().int().min(1).default(160),
    /** Training batch size. */
    batchSize: z.number().int().min(1).default(128),
    /** Evaluation batch size. */
    testBatchSize: z.number().int().min(1).default(1000),
    /** Training-time augmentation (random crop; flips on cifar10), as the reference. */
    augment: z.boolean().default(true),
    /** Seed of weight initialisation, shuffling and augmentation. */
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** tfjs backend (`@neural-ode/backend`); `auto` takes the fastest one available. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Threads of backends that use them (native, wasm). */
    threads: z.number().int().min(1).max(256).optional(),
    /** Run directory: `config.json`, `metrics.jsonl`, checkpoints. */
    save: z.string().min(1).default('runs/train'),
    /** Checkpoint every this many epochs (and always after the last one); every epoch by default, so a kill loses at most one. */
    saveEvery: z.number().int().min(1).default(1),
    /** Emit a `log` line every this many epochs. */
    logEvery: z.number().int().min(1).default(1),
    /** Use only the first N training examples (quick runs). */
    limitTrain: z.number().int().min(1).optional(),
    /** Use only the first N test examples (quick runs). */
    limitTest: z.number().int().min(1).optional(),
  })
  .strict();

/** The resolved options of a training run (output of {@link trainConfigSchema}). */
export type TrainConfig = z.output<typeof trainConfigSchema>;
/** Options of a training run as accepted (defaults not yet applied). */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;
/** A learning-rate schedule. */
export type LrSchedule = z.output<typeof lrScheduleSchema>;

/** The spiral experiment's tolerances for adaptive methods (tighter than the classifiers': it fits a trajectory). */
export const SPIRAL_TOLERANCES = Object.freeze({ rtol: 1e-5, atol: 1e-7 });

/**
 * The spiral experiment's solver, built once: an adaptive method at the run's tolerances (else
 * {@link SPIRAL_TOLERANCES}); a fixed-step method steps on the observation times and refuses tolerances.
 * @param c - the spiral run's `method` and, for an adaptive method, its optional `rtol` / `atol` (absent:
 *   `SPIRAL_TOLERANCES`); a fixed-step method with either throws.
 */
export function spiralSolver(c: Pick<SpiralConfig, 'method' | 'rtol' | 'atol'>): Solver {
  if (isAdaptive(c.method)) return solver({ method: c.method, rtol: c.rtol ?? SPIRAL_TOLERANCES.rtol, atol: c.atol ?? SPIRAL_TOLERANCES.atol }, 'spiral');
  const given = c.rtol !== undefined ? 'rtol' : c.atol !== undefined ? 'atol' : undefined;
  if (given) {
    throw new Error(`spiral: option '${given}' does not apply to '${c.method}', a fixed-step method (it steps on the observation times): remove it, or choose an adaptive method such as dopri5`);
  }
  return solver({ method: c.method }, 'spiral');
}

/**
 * Options of the spiral experiment ({@link runSpiral}): the true system dz/dt = W z with
 * W = [[-0.1, -1], [1, -0.1]], z0 = (0.6, 0.3), observed at `points` times on [0, 3·6.29] with N(0, noise²) noise,
 * fitted by a neural ODE f(z) = L2(L1(z)) (L1: 2→2 linear without bias, L2: 2→2 linear with bias) on random
 * windows with Adam, gradients by the adjoint.
 */
export const spiralConfigSchema = z
  .object({
    /** Training iterations (one Adam step each). */
    iterations: z.number().int().min(1).default(2000),
    /** Adam learning rate. */
    lr: z.number().positive().default(0.01),
    /** Windows per iteration (their losses are averaged). */
    batchWindows: z.number().int().min(1).default(1),
    /** Shortest window, in time units. */
    minWindow: z.number().positive().default(1),
    /** Longest window, in time units. */
    maxWindow: z.number().positive().default(5),
    /** At most this many observations per window (sorted random subset). */
    windowPoints: z.number().int().min(2).default(32),
    /** Observation times on [0, tEnd]. */
    points: z.number().int().min(10).default(200),
    /** End of the observed range. */
    tEnd: z.number().positive().default(3 * 6.29),
    /** Standard deviation of the observation noise. */
    noise: z.number().min(0).default(0.01),
    /** Gradients by the adjoint method (`false`: backprop through the solver; tensor engine only). */
    adjoint: z.boolean().default(true),
    /** Solver method. */
    method: z.enum(METHODS as [MethodName, ...MethodName[]]).default('dopri5'),
    /** Relative tolerance of an adaptive method (default {@link SPIRAL_TOLERANCES}' 1e-5; a fixed-step method takes none). */
    rtol: z.number().positive().optional(),
    /** Absolute tolerance of an adaptive method (default {@link SPIRAL_TOLERANCES}' 1e-7; a fixed-step method takes none). */
    atol: z.number().positive().optional(),
    /**
     * `float64`: the model and its adjoint on `Float64Array` states with `@neural-ode/odeint` (fast, no tensors);
     * `tensor`: tfjs variables and `odeintAdjoint` (the path a bigger model takes; slow for a 2-d state).
     */
    engine: z.enum(['float64', 'tensor']).default('float64'),
    /** Seed of the data noise, the initial weights and the windows. */
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** Output directory (plot, metrics, learned weights). */
    save: z.string().min(1).default('runs/spiral'),
    /** Emit a `log` event every this many iterations. */
    logEvery: z.number().int().min(1).default(100),
  })
  .strict()
  .refine((c) => c.maxWindow >= c.minWindow, {
    message: 'maxWindow must be >= minWindow: raise maxWindow or lower minWindow',
    path: ['maxWindow'],
  });

/** Resolved options of the spiral experiment. */
export type SpiralConfig = z.output<typeof spiralConfigSchema>;
/** Options of the spiral experiment as accepted. */
export type SpiralConfigInput = z.input<typeof spiralConfigSchema>;

/**
 * Parses options with `schema`, turning a zod error into one message per problem that names the option, the value
 * given and what is valid.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.join('.') || '(options)';
    const value = valueAt(input, issue.path);
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
    return `${what}: option '${path}'${shown}: ${issue.message}`;
  });
  throw new Error(lines.join('\n'));
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * Resolves training options (defaults applied) or throws one error whose lines name each bad option, the value
 * given and what is valid.
 * @param input - the training options as given (e.g. from the CLI flags or a stored `config.json`); missing ones get
 *   the defaults.
 */
export function parseTrainConfig(input: unknown): TrainConfig {
  return parseOptions(trainConfigSchema, input, 'train');
}

/**
 * Resolves spiral options like {@link parseTrainConfig}.
 * @param input - the spiral options as given (e.g. from the CLI flags); missing ones get the defaults.
 */
export function parseSpiralConfig(input: unknown): SpiralConfig {
  return parseOptions(spiralConfigSchema, input, 'spiral');
}
