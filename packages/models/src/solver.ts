import { isSolver, solver, type Solver, type SolverInput } from '@neural-ode/odeint';
import { z } from 'zod';

const isSettings = (v: unknown): boolean => isSolver(v) || (typeof v === 'object' && v !== null && !Array.isArray(v));
const solverValue = (what: string) =>
  z.custom<Solver | SolverInput>(isSettings, {
    message: `${what} must be a Solver from @neural-ode/odeint's solver({...}) or its settings, e.g. { method: 'rk4', stepSize: 0.25 }`,
  });

/**
 * The options of a model's ODE block: how it integrates its dynamics from t = 0 to 1 and how it takes gradients.
 * The models have no solver defaults of their own: `solver` is required (the experiments' defaults live in the
 * trainer; odeint's library defaults apply to any setting the solver leaves out).
 */
export const odeBlockOptionsShape = {
  /** The forward solver: a `Solver` from `@neural-ode/odeint` (used as it is) or its settings (validated once). */
  solver: solverValue('solver'),
  /** `true`: gradients by the adjoint method (memory constant in the steps); `false`: backprop through the solver. */
  adjoint: z.boolean().default(false),
  /** The adjoint's backward solver (a `Solver` or its settings); by default the forward one. Only with `adjoint`. */
  backward: solverValue('backward').optional(),
  /** Error norm of the adjoint's backward solve: `mixed` (odeint's default) or `seminorm`. Only with `adjoint`. */
  adjointNorm: z.enum(['mixed', 'seminorm']).optional(),
};

/** The ODE block options as a schema of their own (for documentation and for callers that check them up front). */
export const odeBlockOptionsSchema = z.object(odeBlockOptionsShape).strict();

/** The ODE block options as accepted. */
export interface OdeBlockOptionsInput {
  solver: Solver | SolverInput;
  adjoint?: boolean;
  backward?: Solver | SolverInput;
  adjointNorm?: 'mixed' | 'seminorm';
}

/** The ODE block options after parsing. */
export interface OdeBlockOptions {
  solver: Solver | SolverInput;
  adjoint: boolean;
  backward?: Solver | SolverInput;
  adjointNorm?: 'mixed' | 'seminorm';
}

/**
 * The {@link Solver} of an ODE block, validated once: odeint's `solver()` plus the block's own rule that a
 * fixed-step method needs `stepSize` or `grid` (without them it would integrate [0, 1] in one step).
 * `who` names the caller in errors.
 */
export function odeBlockSolver(input: Solver | SolverInput, who: string): Solver {
  const s = solver(input, who);
  if (s.stepping === 'fixed' && s.stepSize === undefined && s.grid === undefined) {
    throw new Error(
      `${who}: solver.method '${s.method}' is fixed-step but no solver.stepSize (or grid) is given: it would integrate [0, 1] in one step. Fix: pass e.g. stepSize: 0.25.`,
    );
  }
  return s;
}
