/**
 * `@neural-ode/odeint`: differentiable ODE solvers for TypeScript on float64 arrays and TensorFlow.js
 * tensors: `odeint` (backprop through the solver) and `odeintAdjoint` (adjoint gradients, memory constant
 * in the number of steps). For float64 arrays without tfjs installed import `@neural-ode/odeint/float64`.
 * @packageDocumentation
 */
export { odeint } from './odeint';
export { odeintAdjoint, odeintAdjointOptionsSchema } from './adjoint';
export type { OdeintAdjointOptions, AdjointSolution, BacksolveStats } from './adjoint';
export { GRADIENT_MODES, AUTO_SEGMENT_STEPS, DEFAULT_CHECK_TOLERANCE } from './gradient';
export type { Gradient, GradientInput, TapeGradient, CheckpointGradient, BacksolveGradient } from './gradient';
export type { GradientInputs, GradientStats, OdeintTensorSolution } from './gradient-modes';
export type { CheckpointStats } from './checkpoint';
export { odeintFloat64 } from './odeint-float64';
export type { Float64Field, Float64Solution } from './odeint-float64';
export { odeintTensor } from './odeint-tensor';
export type { TensorSolution } from './odeint-tensor';
export type { TensorField } from './tensor-field';
export { odeintOptionsSchema } from './options';
export type { OdeintOptions, ResolvedOdeintOptions } from './options';
export { METHODS, METHOD_INFO, TABLEAUS, EXPLICIT_METHODS, methodInfo } from './methods';
export type { MethodName, MethodInfo, ExplicitMethodName } from './methods';
export { STIFF_METHODS, isStiffMethod } from './stiff/registry';
export type { StiffMethodName } from './stiff/registry';
export type { Float64Jacobian } from './stiff/problem';
export { batchedSolve } from './stiff/batched-solve';
export { defineTableau } from './tableau';
export type { Tableau, Interpolation } from './tableau';
export type { SolveStats } from './integrate';
export type { StateAlgebra, Field } from './algebra';
export { integrate } from './integrate';
export { float64Algebra } from './float64-algebra';
export { tensorAlgebra, untaped } from './tensor-algebra';
export type { TensorState, TensorNorm, TensorAlgebraOptions, ComponentTolerance } from './tensor-algebra';
export { eventSchema, illinois } from './events';
export type { EventInput, EventFunction, EventSpec, SolveEvent } from './events';
export type { Float64Dense, Float64Extras } from './solve-observers';
export type { TensorDense, TensorEvent, TensorExtras } from './tensor-observers';
export type { StepInterpolant } from './step-interpolant';
export type { PerSampleTimes } from './per-sample';
export { OdeintError, SolveError } from './errors';
export type { SolveFailure } from './errors';
export { solver, isSolver, isAdaptive } from './solver';
export type { Solver, SolverInput, FixedSolver, AdaptiveSolver } from './solver';
