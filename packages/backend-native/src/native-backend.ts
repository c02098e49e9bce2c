import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU, version_cpu } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { DISABLE_ENV, loadAddon } from './addon';
import { NativeCpuBackend } from './native-cpu-backend';
import type { AddonOrigin, NativeAddon, NativeIsa } from './addon';
import { binaryKernels } from './kernels/binary';
import { castKernels } from './kernels/cast';
import { convKernels } from './kernels/conv2d';
import { gatherKernels } from './kernels/gather';
import { batchNormGradKernels, registerNativeGradients } from './kernels/gradients';
import { groupNormKernels } from './kernels/group-norm';
import { layoutKernels } from './kernels/layout';
import { matmulKernels } from './kernels/matmul';
import { poolKernels } from './kernels/pool';
import { reduceKernels } from './kernels/reduce';
import { sliceKernels } from './kernels/slice';
import { unaryKernels } from './kernels/unary';

/** Name of the tfjs backend {@link registerNativeBackend} registers. */
export const NATIVE_BACKEND_NAME = 'native';

/** The TensorFlow.js version this package was written and tested against (core and cpu backend). */
export const TFJS_VERSION = '4.22.0';

/** cpu kernels the native kernels fall back to for layouts and dtypes they do not take. */
const FALLBACK_KERNELS = [
  'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'FusedConv2D',
  'Add', 'AddN', 'Sub', 'Multiply', 'RealDiv', 'Maximum', 'Minimum', 'SquaredDifference',
  'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'Select',
  'Sum', 'Mean', 'Max', 'Min', 'Prod',
  'Relu', 'Step', 'Abs', 'Square', 'Neg', 'Sigmoid', 'Tanh', 'Elu', 'EluGrad', 'Selu', 'Relu6', 'LeakyRelu', 'Softplus',
  'Exp', 'Log', 'Sqrt', 'Rsqrt', 'Reciprocal',
  'Slice', 'StridedSlice', 'SplitV', 'Concat', 'Cast', 'ScatterNd', 'PadV2', 'MirrorPad', 'Transpose', 'Tile',
  'BatchMatMul', '_FusedMatMul', 'Softmax', 'FusedBatchNorm', 'MaxPool', 'AvgPool', 'MaxPoolGrad', 'AvgPoolGrad',
  'GatherV2', 'UnsortedSegmentSum', 'TopK', 'OneHot',
] as const;

/** Whether the native backend can be used here, and if not, why and how to fix it. */
export interface NativeStatus {
  /** True when the addon is built, loads, and matches the tfjs it runs with. */
  available: boolean;
  /** Why it is unavailable (absent when available). */
  reason?: string;
  /** What to run to make it available (absent when available). */
  fix?: string;
  /** Convolution implementation when available, e.g. `onednn 2.6.3` or `im2col`. */
  implementation?: string;
  /** Path of the loaded addon when available. */
  path?: string;
  /**
   * Instruction-set level of the addon's own kernels when available: `baseline` (x86-64-v2), `avx2` or `avx512`,
   * picked from the CPU when the addon loads (capped by `NEURAL_ODE_NATIVE_ISA=baseline|avx2|avx512`).
   */
  isa?: NativeIsa;
  /** Where the loaded addon came from when available: `prebuilt`, `source` or `env` (`NEURAL_ODE_NATIVE_ADDON`). */
  origin?: AddonOrigin;
  /** The same in words, e.g. `prebuilt @neural-ode/backend-native-linux-x64-gnu@0.1.0` or `source build`. */
  from?: string;
  /** What the loader passed over and why (no prebuilt package, one that did not load, a newer source build). */
  notes?: string[];
}

function missingInternals(): string[] {
  const missing: string[] = [];
  const need = (ok: boolean, what: string) => {
    if (!ok) missing.push(what);
  };
  const proto = (MathBackendCPU as unknown as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  need(typeof proto?.makeTensorInfo === 'function', 'MathBackendCPU.makeTensorInfo');
  need(typeof proto?.disposeIntermediateTensorInfo === 'function', 'MathBackendCPU.disposeIntermediateTensorInfo');
  need(typeof tf.registerBackend === 'function', 'tf.registerBackend');
  need(typeof tf.registerKernel === 'function', 'tf.registerKernel');
  need(typeof tf.getKernelsForBackend === 'function', 'tf.getKernelsForBackend');
  need(typeof tf.backend_util?.computeConv2DInfo === 'function', 'backend_util.computeConv2DInfo');
  need(typeof tf.backend_util?.assertAndGetBroadcastShape === 'function', 'backend_util.assertAndGetBroadcastShape');
  need(typeof tf.backend_util?.expandShapeToKeepDim === 'function', 'backend_util.expandShapeToKeepDim');
  need(typeof tf.backend_util?.convertConv2DDataFormat === 'function', 'backend_util.convertConv2DDataFormat');
  need(typeof tf.backend_util?.prepareSplitSize === 'function', 'backend_util.prepareSplitSize');
  need(typeof tf.backend_util?.computeOutShape === 'function', 'backend_util.computeOutShape');
  need(typeof tf.backend_util?.computePool2DInfo === 'function', 'backend_util.computePool2DInfo');
  need(typeof tf.slice_util?.parseSliceParams === 'function', 'slice_util.parseSliceParams');
  for (const k of FALLBACK_KERNELS) need(tf.getKernel(k, 'cpu') !== undefined, `cpu kernel ${k}`);
  return missing;
}

/**
 * Whether the native backend is usable in this process. Never throws; when `available` is false, `reason` says
 * why (not built, no oneDNN/OpenBLAS, load failure, tfjs version mismatch, missing tfjs internals, disabled) and
 * `fix` what to run, e.g. `apt-get install libdnnl-dev && npm rebuild @neural-ode/backend-native`.
 */
export function nativeStatus(): NativeStatus {
  if (process.env[DISABLE_ENV] === '1') {
    return { available: false, reason: `disabled by ${DISABLE_ENV}=1`, fix: `unset ${DISABLE_ENV}` };
  }
  if (tf.version_core !== TFJS_VERSION || version_cpu !== TFJS_VERSION) {
    return {
      available: false,
      reason: `written against @tensorflow/tfjs-core and tfjs-backend-cpu ${TFJS_VERSION}, found core ${tf.version_core} and cpu ${version_cpu}`,
      fix: `install @tensorflow/tfjs-core@${TFJS_VERSION} (and let @neural-ode/backend-native bring tfjs-backend-cpu@${TFJS_VERSION})`,
    };
  }
  const missing = missingInternals();
  if (missing.length > 0) {
    return {
      available: false,
      reason: `tfjs internals this backend relies on are missing: ${missing.join(', ')}`,
      fix: `install @tensorflow/tfjs-core@${TFJS_VERSION} and @tensorflow/tfjs-backend-cpu@${TFJS_VERSION}`,
    };
  }
  const load = loadAddon();
  if (!load.ok) return { available: false, reason: load.reason, fix: load.fix, notes: load.notes };
  const info = load.addon.info();
  return { available: true, implementation: info.conv, path: load.path, isa: info.isa, origin: load.origin, from: load.from, notes: load.notes };
}

function addonOrThrow(): NativeAddon {
  const status = nativeStatus();
  const load = loadAddon();
  if (!status.available || !load.ok) {
    throw new Error(`@neural-ode/backend-native is not available: ${status.reason}. Fix: ${status.fix}`);
  }
  return load.addon;
}

function checkThreads(threads: unknown): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new Error(`threads=${String(threads)} must be an integer from 1 to 1024 (e.g. the number of physical cores)`);
  }
  return threads;
}

/**
 * Sets the threads of every native kernel (and of oneDNN / OpenBLAS). Default 2.
 * @param n - the thread count, a positive integer.
 */
export function setNativeThreads(n: number): void {
  addonOrThrow().setThreads(checkThreads(n));
}

let registered = false;

const fallbacks = new Map<string, number>();

/** How often each native kernel handed a call to the cpu kernel (layouts/dtypes it does not take); for tests. */
export function nativeFallbackCounts(): ReadonlyMap<string, number> {
  return fallbacks;
}

/** Kernel configs of the native backend that the addon implements (everything else is copied from cpu). */
function nativeKernels(addon: NativeAddon): KernelConfig[] {
  const fallback = (name: string): KernelFunc => {
    const k = tf.getKernel(name, 'cpu');
    if (!k) throw new Error(`@neural-ode/backend-native: the cpu kernel ${name} it falls back to is not registered`);
    const run = k.kernelFunc;
    return (args) => {
      fallbacks.set(name, (fallbacks.get(name) ?? 0) + 1);
      return run(args);
    };
  };
  return [
    ...convKernels(addon, fallback),
    ...binaryKernels(addon, fallback),
    ...reduceKernels(addon, fallback),
    ...unaryKernels(addon, fallback),
    ...sliceKernels(addon, fallback),
    ...layoutKernels(addon, fallback),
    ...matmulKernels(addon, fallback),
    ...poolKernels(addon, fallback),
    ...gatherKernels(addon, fallback),
    ...castKernels(addon, fallback),
    ...batchNormGradKernels(addon),
    ...groupNormKernels(addon),
  ];
}

/**
 * Registers the tfjs backend `'native'`: a `MathBackendCPU` (tfjs-backend-cpu 4.22.0) with every cpu kernel
 * re-registered for it and the hot ones (conv2d and its gradients, fused conv2d, broadcast arithmetic and
 * comparisons, reductions, activations, slice/strided slice/concat/pad/transpose/tile, matmul, softmax, batch norm,
 * pooling, gather/segment sum/scatterNd, top-k, one-hot, cast) replaced by the addon, plus the GroupNorm kernels {@link GROUP_NORM_KERNEL} and
 * {@link GROUP_NORM_GRAD_KERNEL}. Idempotent (a second call only sets the threads). Does not activate the
 * backend: call `tf.setBackend('native')`. Rejects with the reason and the fix when {@link nativeStatus} says
 * unavailable.
 * @param opts - `threads`: the kernels' thread count (default 2).
 */
export async function registerNativeBackend(opts: { threads?: number } = {}): Promise<void> {
  const threads = checkThreads(opts.threads ?? 2);
  const addon = addonOrThrow();
  addon.setThreads(threads);
  if (registered && tf.findBackendFactory(NATIVE_BACKEND_NAME)) {
    registerNativeGradients(); // again, in case tfjs's gradients were registered since
    return;
  }
  const overrides = nativeKernels(addon);
  const overridden = new Set(overrides.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (overridden.has(k.kernelName)) continue;
    if (tf.getKernel(k.kernelName, NATIVE_BACKEND_NAME)) tf.unregisterKernel(k.kernelName, NATIVE_BACKEND_NAME);
    tf.registerKernel({ ...k, backendName: NATIVE_BACKEND_NAME });
  }
  for (const k of overrides) {
    if (tf.getKernel(k.kernelName, NATIVE_BACKEND_NAME)) tf.unregisterKernel(k.kernelName, NATIVE_BACKEND_NAME);
    tf.registerKernel(k);
  }
  if (!tf.findBackendFactory(NATIVE_BACKEND_NAME)) {
    // Priority 0 (cpu has 1): registering never changes which backend tfjs picks on its own.
    tf.registerBackend(NATIVE_BACKEND_NAME, () => {
      const backend = new NativeCpuBackend();
      if (typeof (backend as { data?: { get?: unknown } }).data?.get !== 'function') {
        throw new Error('@neural-ode/backend-native: MathBackendCPU has no data.get; the tfjs-backend-cpu internals changed');
      }
      // The cpu backend's first write prints "install tfjs-node to speed things up": not true of this one.
      (backend as unknown as { firstUse: boolean }).firstUse = false;
      return backend;
    }, 0);
  }
  registerNativeGradients();
  registered = true;
}

/** Convolution algorithms {@link setNativeConvAlgorithm} can force. */
export type NativeConvAlgorithm = 'auto' | 'im2col' | 'onednn-blocked' | 'onednn-nhwc';

/**
 * Forces a convolution algorithm, for tests and benchmarks: `auto` (oneDNN when built with it — on its blocked
 * layout for outputs of at most 64 positions, directly on tfjs's NHWC buffers otherwise — else im2col), `im2col`
 * (im2col + one GEMM per chunk of images), `onednn-blocked` (always reorder activations to oneDNN's blocked
 * layout and back) or `onednn-nhwc` (never reorder). Without oneDNN every choice is im2col.
 * @param algorithm - `auto`, `im2col`, `onednn-blocked` or `onednn-nhwc` (see above).
 */
export function setNativeConvAlgorithm(algorithm: NativeConvAlgorithm): void {
  const code = { auto: 0, im2col: 1, 'onednn-blocked': 2, 'onednn-nhwc': 3 } as const;
  if (!(algorithm in code)) {
    throw new Error(`setNativeConvAlgorithm: algorithm=${String(algorithm)} is not one of auto, im2col, onednn-blocked, onednn-nhwc`);
  }
  addonOrThrow().setConvImpl(code[algorithm]);
}

const ISA_LEVELS: readonly NativeIsa[] = ['baseline', 'avx2', 'avx512'];

/**
 * Picks the instruction-set level of the addon's own kernels, for tests and benchmarks: `baseline` (x86-64-v2),
 * `avx2` (x86-64-v3) or `avx512` (x86-64-v4), capped at what this CPU runs. Returns the level now in use.
 * @param level - `baseline`, `avx2` or `avx512`; a level above what the CPU runs is capped.
 */
export function setNativeIsa(level: NativeIsa): NativeIsa {
  const code = ISA_LEVELS.indexOf(level);
  if (code < 0) throw new Error(`setNativeIsa: level=${String(level)} is not one of ${ISA_LEVELS.join(', ')}`);
  return ISA_LEVELS[addonOrThrow().setIsa(code)]!;
}
