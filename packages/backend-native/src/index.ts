/**
 * `@neural-ode/backend-native`: native CPU training kernels for TensorFlow.js, registered as the tfjs backend
 * `'native'` (oneDNN or im2col + OpenBLAS convolutions, a fused GroupNorm(+ReLU), fast broadcasting
 * elementwise ops and reductions). `@neural-ode/backend`'s `initBackend({ backend: 'native' })` uses it.
 * @packageDocumentation
 */
export {
  nativeStatus,
  registerNativeBackend,
  setNativeThreads,
  setNativeConvAlgorithm,
  setNativeIsa,
  NATIVE_BACKEND_NAME,
  TFJS_VERSION,
} from './native-backend';
export type { NativeStatus, NativeConvAlgorithm } from './native-backend';
export { GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL } from '@neural-ode/kernels';
export type { GroupNormAttrs } from '@neural-ode/kernels';
export { groupNorm } from './group-norm-op';
export type { GroupNormOptions } from './group-norm-op';
export { DISABLE_ENV } from './addon';
export type { NativeIsa } from './addon';
