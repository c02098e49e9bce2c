/**
 * `@neural-ode/backend`: picks and completes a TensorFlow.js backend that can train.
 *
 * Every training entry point (CLI, trainer, benches, tests) calls {@link initBackend} once.
 * @packageDocumentation
 */
export { initBackend, initBackendOptionsSchema } from './init';
export type { InitBackendOptions, BackendChoice, BackendName } from './init';
