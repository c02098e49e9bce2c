import { z } from 'zod';

/** Datasets a training run can use (the names of `@neural-ode/datasets`). */
export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'mnist-sample', 'cifar10', 'ag-news'] as const;
/** Models a training run can build (`@neural-ode/models`). */
export const MODEL_NAMES = ['resnet', 'odenet', 'vdcnn', 'vdcnn-ode'] as const;
/** Optimizers of the trainer (PyTorch semantics). */
export const OPTIMIZER_NAMES = ['sgd', 'adam', 'rmsprop'] as const;
/** ODE solver methods of `@neural-ode/odeint`. */
export const SOLVER_METHODS = [
  'euler',
  'midpoint',
  'heun2',
  'heun3',
  'rk4',
  'rk4-classic',
  'adaptive-heun',
  'fehlberg2',
  'bosh3',
  'dopri5',
  'tsit5',
  'dopri8',
] as const;
/** Fixed-step methods among {@link SOLVER_METHODS}: they take `stepSize`, not `rtol`/`atol`. */
export const FIXED_STEP_METHODS = ['euler', 'midpoint', 'heun2', 'heun3', 'rk4', 'rk4-classic'] as const;
/** Backends a run may ask `@neural-ode/backend` for. */
export const BACKEND_NAMES = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const;

/**
 * The ODE solver of an ODE model (ignored by `resnet` and `vdcnn`).
 *
 * Defaults: `bosh3` (Bogacki–Shampine 3(2), adaptive) at `rtol = atol = 1e-2`, gradients by backprop through the
 * solver's steps (`adjoint: false`: faster, memory grows with the steps taken). Chosen so that an ODE-Net epoch costs
 * a few ResNet(6) epochs rather than the reference's 19× (RK4 at step 0.04): ~17 function evaluations per forward
 * pass at initialisation and 11–14 while training, against 26 for dopri5 at 1e-2 and 32 for dopri5 at 1e-3; a full
 * Fashion-MNIST epoch measured 2.32× ResNet(6)'s at higher accuracy (`pnpm bench:train`, trainer README).
 * `stepSize` is for fixed-step methods (required there); adaptive methods ignore it, and fixed-step methods ignore
 * `rtol`/`atol`.
 */
export const solverConfigSchema = z
  .object({
    /** Solver method (see {@link SOLVER_METHODS}). */
    method: z.enum(SOLVER_METHODS).default('bosh3'),
    /** Step size of a fixed-step method on the integration interval [0, 1]. */
    stepSize: z.number().positive().max(1).optional(),
    /** Relative tolerance of an adaptive method. */
    rtol: z.number().positive().default(1e-2),
    /** Absolute tolerance of an adaptive method. */
    atol: z.number().positive().default(1e-2),
    /** Gradients by the adjoint ODE (constant memory) instead of backprop through the solver. */
    adjoint: z.boolean().default(false),
  })
  .strict();

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
 * reference study (SGD, lr 0.1, momentum 0.9, weight decay 5e-4, ×0.1 every 40 epochs, batch 128).
 */
export const trainConfigSchema = z
  .object({
    /** Dataset. */
    data: z.enum(DATASET_NAMES).default('mnist'),
    /** A local directory holding the dataset's files (no download). */
    dataDir: z.string().min(1).optional(),
    /** Download the dataset into the cache when it is not there. */
    download: z.boolean().default(true),
    /** Model: `resnet`/`odenet` for images, `vdcnn`/`vdcnn-ode` for ag-news. */
    model: z.enum(MODEL_NAMES).default('resnet'),
    /** Residual blocks of `resnet` / `vdcnn` (ignored by the ODE models). */
    blocks: z.number().int().min(1).max(64).default(6),
    /** Character embedding width of `vdcnn` / `vdcnn-ode` (the reference's `--embd_size`; ignored by image models). */
    embeddingSize: z.number().int().min(1).default(16),
    /** Characters each ag-news text is truncated or padded to (the reference's `--seq_len`; ignored by image data). */
    seqLen: z.number().int().min(1).default(1014),
    /** ODE solver of `odenet` / `vdcnn-ode`. */
    solver: solverConfigSchema.prefault({}),
    /** Optimizer. */
    optimizer: z.enum(OPTIMIZER_NAMES).default('sgd'),
    /** Initial learning rate. */
    lr: z.number().positive().default(0.1),
    /** SGD momentum (PyTorch semantics; `adam` and `rmsprop` ignore it). */
    momentum: z.number().min(0).max(1).default(0.9),
    /** L2 weight decay added to the gradient (PyTorch's `weight_decay`). */
    weightDecay: z.number().min(0).default(5e-4),
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
    /** Checkpoint every this many epochs (and always after the last one). */
    saveEvery: z.number().int().min(1).default(10),
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
/** The ODE solver options of a run. */
export type SolverConfig = z.output<typeof solverConfigSchema>;
/** A learning-rate schedule. */
export type LrSchedule = z.output<typeof lrScheduleSchema>;

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
    method: z.enum(SOLVER_METHODS).default('dopri5'),
    /** Relative tolerance. */
    rtol: z.number().positive().default(1e-5),
    /** Absolute tolerance. */
    atol: z.number().positive().default(1e-7),
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
 */
export function parseTrainConfig(input: unknown): TrainConfig {
  return parseOptions(trainConfigSchema, input, 'train');
}

/** Resolves spiral options like {@link parseTrainConfig}. */
export function parseSpiralConfig(input: unknown): SpiralConfig {
  return parseOptions(spiralConfigSchema, input, 'spiral');
}
