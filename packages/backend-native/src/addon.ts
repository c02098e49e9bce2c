import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The functions the compiled addon exports (see `native/addon.cc`). All buffers are float32, NHWC / HWIO. */
export interface NativeAddon {
  conv2dForward(x: Float32Array, filter: Float32Array, y: Float32Array, ...geometry: number[]): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, ...geometry: number[]): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, ...geometry: number[]): void;
  groupNormForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array,
    n: number, s: number, c: number, groups: number, eps: number, relu: boolean,
  ): void;
  groupNormBackward(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, rstd: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, n: number, s: number, c: number, groups: number, relu: boolean,
  ): void;
  binary(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], out: Float32Array, outShape: number[]): void;
  unary(kind: number, x: Float32Array, y: Float32Array, alpha: number): void;
  slice(x: Float32Array, shape: number[], begin: number[], size: number[], out: Float32Array): void;
  copyRows(src: Float32Array, rows: number, srcCols: number, dst: Float32Array, dstCols: number, colOffset: number): void;
  /** kind 0 sum, 1 max, 2 min, 3 prod over the axes marked 1 in `reduced`, times `scale`. */
  reduce(kind: number, x: Float32Array, shape: number[], reduced: number[], scale: number, out: Float32Array): void;
  /** mode 0 constant (`value`), 1 reflect, 2 symmetric. */
  pad(x: Float32Array, shape: number[], before: number[], after: number[], mode: number, value: number, out: Float32Array): void;
  transpose(x: Float32Array, shape: number[], perm: number[], out: Float32Array): void;
  tile(x: Float32Array, shape: number[], reps: number[], out: Float32Array): void;
  eluGrad(dy: Float32Array, y: Float32Array, dx: Float32Array): void;
  /** op 0 >, 1 >=, 2 <, 3 <=, 4 ==, 5 != (shapes of the output rank, 1 where broadcast). */
  compare(op: number, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], out: Uint8Array, outShape: number[]): void;
  select(condition: Uint8Array, t: Float32Array, e: Float32Array, out: Float32Array): void;
  softmax(x: Float32Array, y: Float32Array, rows: number, n: number): void;
  batchMatMul(
    a: Float32Array, b: Float32Array, c: Float32Array, batchA: number, batchB: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean,
  ): void;
  batchNorm(
    x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null,
    eps: number, y: Float32Array,
  ): void;
  /** kind 0 max, 1 avg; geometry n, h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft. */
  pool2d(kind: number, x: Float32Array, y: Float32Array, ...geometry: number[]): void;
  pool2dGrad(kind: number, dy: Float32Array, x: Float32Array, dx: Float32Array, ...geometry: number[]): void;
  gather(x: Float32Array, outer: number, axisN: number, inner: number, indices: Int32Array, out: Float32Array): void;
  unsortedSegmentSum(x: Float32Array, rows: number, inner: number, segmentIds: Int32Array, segments: number, out: Float32Array): void;
  topk(x: Float32Array, rows: number, n: number, k: number, values: Float32Array, indices: Int32Array): void;
  oneHot(indices: Int32Array, depth: number, on: number, off: number, out: Float32Array): void;
  setThreads(n: number): void;
  setConvImpl(impl: 0 | 1 | 2 | 3): void;
  /** 0 baseline, 1 avx2, 2 avx512; capped at what the CPU runs; returns the level in use. */
  setIsa(level: number): number;
  info(): NativeAddonInfo;
}

/** Instruction-set levels of the addon's own kernels (oneDNN picks its own). */
export type NativeIsa = 'baseline' | 'avx2' | 'avx512';

/** What the loaded addon was built with. */
export interface NativeAddonInfo {
  /** Convolution implementation, e.g. `onednn 2.6.3` or `im2col`. */
  conv: string;
  /** GEMM used by the im2col path, e.g. `onednn sgemm` or `openblas sgemm`. */
  gemm: string;
  /** Threads the kernels use now. */
  threads: number;
  /** Node-API version the addon was compiled for. */
  napiVersion: number;
  /** Interface version between this JS and the addon. */
  abi: string;
  /** Instruction-set level of the hand-written kernels in use: `baseline` (x86-64-v2), `avx2` or `avx512`. */
  isa: NativeIsa;
  /** The highest level this CPU and build run. */
  isaSupported: NativeIsa;
}

/** Interface version the JS side expects from the addon; bumped whenever `native/addon.cc` changes its exports. */
export const ADDON_ABI = 'neural-ode-native/4';

const ADDON_FUNCTIONS = [
  'conv2dForward', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'groupNormForward', 'groupNormBackward',
  'binary', 'unary', 'slice', 'copyRows', 'reduce', 'pad', 'transpose', 'tile', 'eluGrad', 'compare', 'select', 'softmax',
  'batchMatMul', 'batchNorm', 'pool2d', 'pool2dGrad', 'gather', 'unsortedSegmentSum', 'topk', 'oneHot',
  'setThreads', 'setConvImpl', 'setIsa', 'info',
] as const satisfies readonly (keyof NativeAddon)[];

/** Environment variable that disables the addon (`1`): the package then reports itself unavailable. */
export const DISABLE_ENV = 'NEURAL_ODE_NATIVE_DISABLE';

const PACKAGE_NAME = '@neural-ode/backend-native';

/** Result of loading the addon (cached: a `.node` file can be loaded once per process). */
export type AddonLoad =
  | { ok: true; addon: NativeAddon; path: string }
  | { ok: false; reason: string; fix: string };

let cached: AddonLoad | undefined;

/** The package root: the nearest directory above this file whose package.json is this package. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`${PACKAGE_NAME}: cannot find the package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

function buildFix(root: string): string {
  const rebuild = `npm rebuild ${PACKAGE_NAME} (in this repository: pnpm --filter ${PACKAGE_NAME} build:native)`;
  let backend = 'unknown';
  try {
    const req = createRequire(join(root, 'package.json'));
    backend = (req('./scripts/detect.cjs') as { detect(): { backend: string } }).detect().backend;
  } catch {
    // detection script missing: give the generic advice
  }
  const install =
    process.platform === 'darwin'
      ? 'brew install onednn'
      : process.platform === 'win32'
        ? 'install oneDNN and set DNNL_ROOT'
        : 'apt-get install libdnnl-dev';
  if (backend === 'none') return `${install} && ${rebuild}`;
  return `${rebuild}; it needs a C++17 compiler, make and python3 (oneDNN or OpenBLAS was found: ${backend})`;
}

/** Loads the addon once: the per-platform prebuilt package if installed, else `build/Release`. */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  let root: string;
  try {
    root = packageRoot();
  } catch (e) {
    cached = { ok: false, reason: (e as Error).message, fix: `reinstall ${PACKAGE_NAME}` };
    return cached;
  }
  cached = loadAddonFrom(root);
  return cached;
}

/** Loads the addon of the package installed at `root` (uncached; {@link loadAddon} is what callers use). */
export function loadAddonFrom(root: string): AddonLoad {
  let result: AddonLoad;
  const req = createRequire(join(root, 'package.json'));
  const candidates: string[] = [];
  if (process.env.NEURAL_ODE_NATIVE_ADDON) candidates.push(process.env.NEURAL_ODE_NATIVE_ADDON);
  try {
    // Prebuilt binaries (planned): @neural-ode/backend-native-<platform>-<arch> ships the .node file.
    candidates.push(req.resolve(`${PACKAGE_NAME}-${process.platform}-${process.arch}/neural_ode_native.node`));
  } catch {
    // not installed
  }
  candidates.push(join(root, 'build', 'Release', 'neural_ode_native.node'));
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    result = {
      ok: false,
      reason: `the addon is not built (no ${join(root, 'build', 'Release', 'neural_ode_native.node')})`,
      fix: buildFix(root),
    };
    return result;
  }
  // libgomp reads these when it is loaded: an idle OpenMP worker must sleep, not spin on the core the JS
  // thread needs between kernels (measured: 196 → 117 ms per step). A user's explicit setting wins.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    const addon = req(path) as NativeAddon;
    const info = addon.info();
    const missing = ADDON_FUNCTIONS.filter((f) => typeof addon[f] !== 'function');
    if (info.abi !== ADDON_ABI || missing.length > 0) {
      result = {
        ok: false,
        reason: `the addon at ${path} is stale: it speaks ${info.abi}${missing.length ? ` and lacks ${missing.join(', ')}` : ''}, this JS expects ${ADDON_ABI}`,
        fix: buildFix(root),
      };
      return result;
    }
    result = { ok: true, addon, path };
  } catch (e) {
    result = { ok: false, reason: `the addon at ${path} failed to load: ${(e as Error).message}`, fix: buildFix(root) };
  }
  return result;
}
