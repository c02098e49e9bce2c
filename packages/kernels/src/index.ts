/**
 * The contracts of the custom TensorFlow.js kernels that `@neural-ode/models` asks for by name and the backends
 * (`@neural-ode/backend` on cpu and wasm, `@neural-ode/backend-native` on native) implement: the kernel names, their
 * attributes, the validation every implementation shares, and the op that calls the kernels (with a composed
 * fallback where a backend has none). Depends on nothing but `@tensorflow/tfjs-core`.
 *
 * @packageDocumentation
 */
export {
  GROUP_NORM_KERNEL,
  GROUP_NORM_GRAD_KERNEL,
  groupNormLayout,
  groupNormGradLayout,
} from './group-norm';
export type { GroupNormAttrs, GroupNormInput, GroupNormInputs, GroupNormGradInputs, GroupNormLayout } from './group-norm';
export { groupNorm, hasFusedGroupNorm } from './group-norm-op';
