/**
 * `@neural-ode/backend`: picks and completes a TensorFlow.js backend that can train.
 *
 * Every training entry point (CLI, trainer, benches, tests) calls {@link initBackend} once.
 * @packageDocumentation
 */
export { initBackend, initBackendOptionsSchema, BACKEND_NAMES, BackendUnavailableError, defaultThreads } from './init';
export type { InitBackendOptions, BackendChoice, BackendName } from './init';
export { WASM_TRAINING_KERNELS, WASM_MAX_THREADS } from './wasm';
export { CPU_TRAINING_KERNELS } from './cpu';
export { NATIVE_PACKAGE, NATIVE_INSTALL_FIX, DISABLE_NATIVE_ENV } from './native';
export type { NativeBackendModule } from './native';
export { TENSORFLOW_FLAVOURS } from './tensorflow';
export type { TensorflowFlavour } from './tensorflow';
export { topKGradConfig } from './gradients/topk_grad';
