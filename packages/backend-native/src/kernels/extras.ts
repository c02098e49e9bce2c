import type { NativeAddon } from '../addon';

/** Typed arrays the addon's `cast` reads and writes: float32, int32 and bool (0/1 bytes) tensor storage. */
export type CastArray = Float32Array | Int32Array | Uint8Array;

/**
 * Entry points of `native/addon.cc` newer than the `NativeAddon` interface of `../addon`. Each is optional: an
 * addon built from older sources lacks it, and the kernel that needs it then hands the call to the cpu kernel.
 */
export interface NativeAddonExtras {
  /** Converts `x` into `out` (as many elements): to int32 as `Int32Array.from`, to bool as `x != 0`. */
  cast?(x: CastArray, out: CastArray): void;
  /** `out[i] = x[begin + i · strides]` per axis; `outShape` has the rank of `shape`. */
  stridedSlice?(x: Float32Array, shape: number[], begin: number[], strides: number[], outShape: number[], out: Float32Array): void;
  /** `dx = dy · mask(x)`: the gradient of relu (kind 0) or relu6 (kind 1), NaN where x is NaN. */
  reluGrad?(kind: number, dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** The gradient of batchNorm with statistics per channel (the innermost axis) with respect to all its inputs. */
  batchNormGrad?(
    dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null, eps: number,
    dx: Float32Array, dmean: Float32Array, dvariance: Float32Array, dscale: Float32Array, doffset: Float32Array,
  ): void;
}

/** The addon with its newer entry points typed (present or not). */
export function withExtras(addon: NativeAddon): NativeAddon & NativeAddonExtras {
  return addon as NativeAddon & NativeAddonExtras;
}
