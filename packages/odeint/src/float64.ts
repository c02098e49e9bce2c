/**
 * `@neural-ode/odeint/float64`: the float64-array solvers only. This entry point never loads
 * `@tensorflow/tfjs-core`, so it works where tfjs is not installed.
 * @packageDocumentation
 */
export { odeintFloat64 as odeint, odeintFloat64 } from './odeint-float64';
export type { Float64Field, Float64Solution } from './odeint-float64';
export { odeintOptionsSchema } from './options';
export type { OdeintOptions, ResolvedOdeintOptions } from './options';
export { METHODS, METHOD_INFO, TABLEAUS, EXPLICIT_METHODS, methodInfo } from './methods';
export type { MethodName, MethodInfo, ExplicitMethodName } from './methods';
export { STIFF_METHODS, isStiffMethod } from './stiff/registry';
export type { StiffMethodName } from './stiff/registry';
export type { Float64Jacobian } from './stiff/problem';
export type { Tableau, Interpolation } from './tableau';
export { defineTableau } from './tableau';
export type { SolveStats } from './integrate';
export type { EventInput, EventFunction, SolveEvent } from './events';
export type { Float64Dense, Float64Extras } from './solve-observers';
export { OdeintError, SolveError } from './errors';
export type { SolveFailure } from './errors';
export { solver, isSolver, isAdaptive } from './solver';
export type { Solver, SolverInput, FixedSolver, AdaptiveSolver } from './solver';
