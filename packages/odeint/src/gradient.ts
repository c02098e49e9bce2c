import { z } from 'zod';
import { OdeintError, show } from './errors';
import { parseOptions } from './options';
import type { Solver, SolverInput } from './solver';

/**
 * How gradients of a tensor solve are computed: one of the modes below, a field of every {@link Solver}
 * (`solver({ ..., gradient })`). Float64 solves have no gradients and ignore it.
 *
 * - `tape`: backpropagation through the solver's operations, recorded by tfjs's tape (exact gradient of the
 *   computed solution; memory grows linearly with the number of steps). The library default.
 * - `checkpoint`: discretise-then-optimise with checkpoints. The forward solve runs off the tape and records the
 *   accepted steps and the state at a few of them; the backward pass re-runs each segment between two checkpoints
 *   under the tape with exactly the recorded steps and backpropagates through it. Same gradient as `tape` (to float32
 *   round-off), memory of the checkpoints plus one segment's tape: about √n for n steps.
 * - `backsolve`: the continuous adjoint (a backward solve of the state, its adjoint and the parameter gradients);
 *   memory constant in the steps, but the state is reconstructed backwards in time, which is inaccurate when the
 *   dynamics contract (a fast-decaying mode grows backwards). The reconstruction is checked against the forward states.
 */
export type Gradient = TapeGradient | CheckpointGradient | BacksolveGradient;

/** Backpropagation through the solver's operations. */
export interface TapeGradient {
  readonly mode: 'tape';
}

/**
 * Checkpointed backpropagation: exact (as `tape`) at about √n memory. `f` is evaluated again in the backward pass, so it
 * must be a pure function of `t`, `y` and the variables it reads (no randomness such as dropout, no state it updates).
 */
export interface CheckpointGradient {
  readonly mode: 'checkpoint';
  /**
   * The most states held as checkpoints besides `y0`, or `'auto'` (default): about √n for n accepted steps. The
   * number of steps is not known before an adaptive solve ends, so the schedule is online: a state is kept every
   * `stride` steps and, when more than allowed are held, every other one is dropped and the stride doubles. A backward
   * segment is `stride` steps long. Fewer checkpoints: less memory, longer segments (more tape per segment).
   */
  readonly checkpoints: number | 'auto';
  /**
   * How a segment is replayed in the backward pass.
   * - `segment`: the whole segment under the tape at once. Peak memory: the checkpoints plus one segment's tape
   *   (growing like √n); each step is recomputed once.
   * - `step`: the segment's states are first recomputed off the tape, then each step is replayed under the tape alone.
   *   Peak memory: the checkpoints, one segment's states and one step's tape (nearly constant in the number of steps
   *   when a step's tape outweighs a state, as in neural ODEs); most steps are recomputed twice, and FSAL methods
   *   evaluate one more stage per step.
   * - `auto` (default): `segment` for segments of at most {@link AUTO_SEGMENT_STEPS} steps (short solves, e.g. an
   *   ODE block's few steps, where a second recomputation would cost more than the tape saves), `step` for longer ones;
   *   a fixed-step solve of at most that many steps in all runs on the tape as it goes (its tape is no larger than
   *   that one segment's, and nothing is recomputed: the tape's speed).
   */
  readonly replay: 'auto' | 'step' | 'segment';
}

/** The adjoint method with a backward solve, and a check of its reconstruction of the forward states. */
export interface BacksolveGradient {
  readonly mode: 'backsolve';
  /**
   * The backward solve's solver; absent: the forward solver's method and settings, with the smallest of its
   * tolerances (odeintAdjoint's default). Given as settings (not a `Solver` value) with an adaptive method, the
   * tolerances it leaves out are the forward's in the same way.
   */
  readonly backward?: Solver;
  /**
   * Error norm of the backward solve over (state, adjoint, parameter gradients): `mixed` (the largest RMS of the three,
   * torchdiffeq's default) or `seminorm` (ignores the parameter gradients: fewer steps; Kidger et al. 2021).
   */
  readonly norm: 'mixed' | 'seminorm';
  /**
   * What to do when the backward solve's reconstruction of a forward state (at each output time, `y0` included) is
   * off by more than `checkTolerance`: `warn` (default: `console.warn`, once per solver value; the figure is in the
   * gradient stats every time), `throw` (a {@link SolveError} with reason `inaccurate-gradient`) or `off`.
   */
  readonly check: 'warn' | 'throw' | 'off';
  /**
   * The largest relative reconstruction error accepted, `‖ŷ − y‖ / (‖y‖ + atol)` (RMS over the state, ŷ reconstructed
   * backwards, y from the forward solve, atol the backward solver's), default {@link DEFAULT_CHECK_TOLERANCE}.
   */
  readonly checkTolerance: number;
}

/** What `solver({ gradient })` accepts: a mode name, or an object with the mode and its settings. */
export type GradientInput =
  | Gradient['mode']
  | { mode: 'tape' }
  | { mode: 'checkpoint'; checkpoints?: number | 'auto'; replay?: 'auto' | 'step' | 'segment' }
  | {
      mode: 'backsolve';
      /** A {@link Solver} or its settings; must not have a gradient mode of its own. */
      backward?: Solver | SolverInput;
      norm?: 'mixed' | 'seminorm';
      check?: 'warn' | 'throw' | 'off';
      checkTolerance?: number;
    };

/**
 * The backsolve check's default tolerance on the relative reconstruction error. Measured on two-mode tanh-linear fields
 * with dopri5: reconstructions off by 0.5-2 went with gradients 3-27% off the checkpointed ones, while at rtol 1e-3 a
 * well-behaved field already reconstructs with errors near 1e-2 and its gradient is as accurate as the solve; 0.1
 * separates the two.
 */
export const DEFAULT_CHECK_TOLERANCE = 0.1;

/** With `replay: 'auto'`, the longest segment replayed under the tape at once (longer ones: step by step). */
export const AUTO_SEGMENT_STEPS = 4;

/** The gradient modes, in the order the docs and the CLI list them. */
export const GRADIENT_MODES = ['tape', 'checkpoint', 'backsolve'] as const;

const checkpointSchema = z
  .object({
    mode: z.literal('checkpoint'),
    checkpoints: z.union([z.literal('auto'), z.number().int().min(1)]).default('auto'),
    replay: z.enum(['auto', 'step', 'segment']).default('auto'),
  })
  .strict();
const backsolveSchema = z
  .object({
    mode: z.literal('backsolve'),
    backward: z
      .custom<Solver | SolverInput>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
        message: "must be a Solver or an object of solver settings such as { method: 'dopri5', rtol: 1e-6 }",
      })
      .optional(),
    norm: z.enum(['mixed', 'seminorm']).default('mixed'),
    check: z.enum(['warn', 'throw', 'off']).default('warn'),
    checkTolerance: z.number().gt(0).default(DEFAULT_CHECK_TOLERANCE),
  })
  .strict();

const FIXES: Record<string, string> = {
  mode: `use one of: ${GRADIENT_MODES.join(', ')}`,
  checkpoints: "use a positive integer such as 8, or 'auto' (about √n for n steps)",
  replay: "use 'auto', 'step' or 'segment'",
  backward: "pass solver({...}) or settings such as { method: 'dopri5', rtol: 1e-6 }",
  norm: "use 'mixed' or 'seminorm'",
  check: "use 'warn', 'throw' or 'off'",
  checkTolerance: 'use a positive relative error such as 0.1',
};

const TAPE: TapeGradient = Object.freeze({ mode: 'tape' });

/**
 * Validates `solver({ gradient })` (absent: `tape`). `parseSolver` validates a backsolve's backward solver (it is
 * `solver` itself; passed in so that this module does not import it back).
 */
export function parseGradient(fn: string, input: unknown, parseSolver: (input: Solver | SolverInput, fn: string) => Solver): Gradient {
  if (input === undefined || input === 'tape') return TAPE;
  const given = typeof input === 'string' ? { mode: input } : input;
  const mode = typeof given === 'object' && given !== null && !Array.isArray(given) ? (given as { mode?: unknown }).mode : undefined;
  if (mode === 'tape') return nested(fn, z.object({ mode: z.literal('tape') }).strict(), given) as TapeGradient;
  if (mode === 'checkpoint') return nested(fn, checkpointSchema, given);
  if (mode === 'backsolve') {
    const parsed = nested(fn, backsolveSchema, given);
    const { backward: backwardInput, ...rest } = parsed;
    if (backwardInput === undefined) return rest;
    const backward = parseSolver(backwardInput, `${fn} (options.gradient.backward)`);
    if (backward.gradient.mode !== 'tape') {
      throw new OdeintError(
        'options.gradient.backward.gradient',
        `${fn}: options.gradient.backward has gradient mode '${backward.gradient.mode}'; the backward solve is never differentiated. Fix: remove gradient from the backward solver.`,
      );
    }
    return { ...rest, backward };
  }
  throw new OdeintError(
    'options.gradient',
    `${fn}: options.gradient = ${show(input)} is not a gradient mode. Fix: use one of ${GRADIENT_MODES.map((m) => `'${m}'`).join(', ')}, ` +
      "or an object such as { mode: 'checkpoint', checkpoints: 8 }.",
  );
}

/** `parseOptions` for the object under `options.gradient`: errors name `options.gradient.<key>`. */
function nested<S extends z.ZodType>(fn: string, schema: S, given: unknown): z.output<S> {
  try {
    return parseOptions(fn, schema, given, FIXES);
  } catch (e) {
    if (!(e instanceof OdeintError)) throw e;
    throw new OdeintError(e.argument.replace(/^options\./, 'options.gradient.'), e.message.replace(/options\./g, 'options.gradient.'));
  }
}
