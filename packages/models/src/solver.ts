import { isSolver, solver, type Solver, type SolverInput } from '@neural-ode/odeint';
import { z } from 'zod';

/**
 * The options of a model's ODE block: how it integrates its dynamics from t = 0 to 1 and how it takes gradients.
 * The models have no solver defaults of their own: `solver` is required (the experiments' defaults live in the
 * trainer; odeint's library defaults apply to any setting the solver leaves out), with one exception stated here:
 * settings without a `gradient` take gradients by `checkpoint` (exact, memory about √n in the steps).
 */
export const odeBlockOptionsShape = {
  /**
   * The solver, gradient mode included: a `Solver` from `@neural-ode/odeint`'s `solver()` (used as it is) or its
   * settings (validated once; `gradient` defaults to `'checkpoint'` there), e.g.
   * `{ method: 'rk4', stepSize: 0.25 }` or `{ method: 'dopri5', rtol: 1e-3, atol: 1e-3, gradient: 'backsolve' }`.
   */
  solver: z.custom<Solver | SolverInput>((v) => isSolver(v) || (typeof v === 'object' && v !== null && !Array.isArray(v)), {
    message: "solver must be a Solver from @neural-ode/odeint's solver({...}) or its settings, e.g. { method: 'rk4', stepSize: 0.25 }",
  }),
};

/** The ODE block options as a schema of their own (for documentation and for callers that check them up front). */
export const odeBlockOptionsSchema = z.object(odeBlockOptionsShape).strict();

/** The ODE block options. */
export interface OdeBlockOptions {
  solver: Solver | SolverInput;
}

/** The gradient mode of an ODE block whose solver settings name none (a `Solver` value always has one). */
export const ODE_BLOCK_GRADIENT = 'checkpoint';

/**
 * The {@link Solver} of an ODE block, validated once: odeint's `solver()` (settings without `gradient` get
 * {@link ODE_BLOCK_GRADIENT}) plus the block's own rule that a fixed-step method needs `stepSize` or `grid` (without
 * them it would integrate [0, 1] in one step). `who` names the caller in errors.
 * @param input - a `Solver` (returned as it is, after the step check) or solver settings for odeint's `solver()`.
 * @param who - the caller named in error messages, e.g. `odenet (solver)`.
 */
export function odeBlockSolver(input: Solver | SolverInput, who: string): Solver {
  const s = isSolver(input) ? input : solver({ gradient: ODE_BLOCK_GRADIENT, ...input }, who);
  if (s.stepping === 'fixed' && s.stepSize === undefined && s.grid === undefined) {
    throw new Error(
      `${who}: solver.method '${s.method}' is fixed-step but no solver.stepSize (or grid) is given: it would integrate [0, 1] in one step. Fix: pass e.g. stepSize: 0.25.`,
    );
  }
  return s;
}
