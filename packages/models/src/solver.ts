import { odeintAdjointOptionsSchema } from '@neural-ode/odeint';
import { z } from 'zod';

const { params: _params, solver: _solver, backward: _backward, rtol, atol, ...odeintShape } = odeintAdjointOptionsSchema.shape;

/**
 * How an ODE block integrates its dynamics from t = 0 to 1: every option of `@neural-ode/odeint`'s
 * `odeintAdjoint` (method, tolerances, step-size control, and the `adjoint*` settings of the backward solve)
 * except `params`, which the block fills in, plus `adjoint` to choose the gradient mode. Defaults are the
 * reference experiments': dopri5 with rtol = atol = 1e-3, backprop through the solver.
 */
export const solverOptionsSchema = z
  .object({
    ...odeintShape,
    /** Relative tolerance of adaptive methods (the experiments' 1e-3; odeint's own default is tighter). */
    rtol: rtol.unwrap().default(1e-3),
    /** Absolute tolerance of adaptive methods (the experiments' 1e-3). */
    atol: atol.unwrap().default(1e-3),
    /** `true`: gradients by the adjoint method (memory constant in the steps); `false`: backprop through the solver. */
    adjoint: z.boolean().default(false),
  })
  .strict();

/** Solver options as accepted (defaults applied by {@link solverOptionsSchema}). */
export type SolverOptionsInput = z.input<typeof solverOptionsSchema>;
/** Solver options after parsing. */
export type SolverOptions = z.output<typeof solverOptionsSchema>;
