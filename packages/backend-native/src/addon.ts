import { existsSync, readFileSync, statSync } from 'node:fs';
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

/** Where the loaded addon came from. */
export type AddonOrigin =
  /** The per-platform package (`@neural-ode/backend-native-linux-x64-gnu`), with oneDNN beside it. */
  | 'prebuilt'
  /** This package's own `build/Release` (node-gyp, against the system's oneDNN or OpenBLAS). */
  | 'source'
  /** The file named by `NEURAL_ODE_NATIVE_ADDON`. */
  | 'env';

/** Result of loading the addon (cached: a `.node` file can be loaded once per process). */
export type AddonLoad =
  | {
      ok: true;
      addon: NativeAddon;
      path: string;
      origin: AddonOrigin;
      /** Where it came from in words, e.g. `prebuilt @neural-ode/backend-native-linux-x64-gnu@0.1.0`. */
      from: string;
      /** What was passed over on the way (a prebuilt binary that did not load, a newer source build…). */
      notes: string[];
    }
  | { ok: false; reason: string; fix: string; notes: string[] };

/** scripts/prebuilt.cjs, shared with the install script so both look for the prebuilt package in one way. */
interface PrebuiltScript {
  findPrebuilt(
    root: string,
    ownVersion?: string,
  ):
    | { found: true; name: string; version: string; dir: string; binary: string }
    | { found: false; name: string; why: string };
  PUBLISHED: string[];
  platformSuffix(): string;
}

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

function buildFix(root: string, prebuiltName: string | null): string {
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
  const source =
    backend === 'none'
      ? `${install} && ${rebuild}`
      : `${rebuild}; it needs a C++17 compiler, make and python3 (oneDNN or OpenBLAS was found: ${backend})`;
  return prebuiltName ? `npm install ${prebuiltName} (the prebuilt binary, no compiler needed), or build from source: ${source}` : source;
}

/** Loads the addon once: the per-platform prebuilt package if installed, else `build/Release`. */
export function loadAddon(): AddonLoad {
  if (cached) return cached;
  let root: string;
  try {
    root = packageRoot();
  } catch (e) {
    cached = { ok: false, reason: (e as Error).message, fix: `reinstall ${PACKAGE_NAME}`, notes: [] };
    return cached;
  }
  cached = loadAddonFrom(root);
  return cached;
}

interface Candidate {
  origin: AddonOrigin;
  path: string;
  from: string;
}

/** Loads one candidate file: the addon, or why it cannot be used. */
function tryLoad(req: NodeJS.Require, path: string): { addon: NativeAddon } | { why: string } {
  try {
    const addon = req(path) as NativeAddon;
    const info = addon.info();
    const missing = ADDON_FUNCTIONS.filter((f) => typeof addon[f] !== 'function');
    if (info.abi !== ADDON_ABI || missing.length > 0) {
      return {
        why: `the addon at ${path} is stale: it speaks ${info.abi}${missing.length ? ` and lacks ${missing.join(', ')}` : ''}, this JS expects ${ADDON_ABI}`,
      };
    }
    return { addon };
  } catch (e) {
    return { why: `the addon at ${path} failed to load: ${(e as Error).message}` };
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -Infinity;
  }
}

/**
 * Loads the addon of the package installed at `root` (uncached; {@link loadAddon} is what callers use). Order:
 * `NEURAL_ODE_NATIVE_ADDON` when set; then the prebuilt package of this machine and the source build in
 * `build/Release`, the prebuilt first unless the source build is newer (built after installing: `npm rebuild`, or
 * in the monorepo after editing the C++). A candidate that is missing, fails to load or is stale is passed over
 * with a note.
 */
export function loadAddonFrom(root: string): AddonLoad {
  const req = createRequire(join(root, 'package.json'));
  const notes: string[] = [];
  const candidates: Candidate[] = [];
  const env = process.env.NEURAL_ODE_NATIVE_ADDON;
  if (env) candidates.push({ origin: 'env', path: env, from: `NEURAL_ODE_NATIVE_ADDON=${env}` });

  const source: Candidate = { origin: 'source', path: join(root, 'build', 'Release', 'neural_ode_native.node'), from: 'source build' };
  let prebuiltName: string | null = null;
  let prebuilt: Candidate | null = null;
  try {
    const script = req('./scripts/prebuilt.cjs') as PrebuiltScript;
    let version: string | undefined;
    try {
      version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version;
    } catch {
      // no version to match: take the prebuilt package as it is
    }
    const found = script.findPrebuilt(root, version);
    if (script.PUBLISHED.includes(script.platformSuffix())) prebuiltName = found.name;
    if (found.found) prebuilt = { origin: 'prebuilt', path: found.binary, from: `prebuilt ${found.name}@${found.version}` };
    else notes.push(`prebuilt: ${found.why}`);
  } catch (e) {
    notes.push(`prebuilt: not looked for (${(e as Error).message.split('\n')[0]})`);
  }
  if (prebuilt && existsSync(source.path) && mtime(source.path) > mtime(prebuilt.path)) {
    notes.push(`the source build is newer than the ${prebuilt.from} binary: the source build goes first`);
    candidates.push(source, prebuilt);
  } else {
    candidates.push(...(prebuilt ? [prebuilt] : []), source);
  }

  // libgomp reads these when it is loaded: an idle OpenMP worker must sleep, not spin on the core the JS
  // thread needs between kernels (measured: 196 → 117 ms per step). A user's explicit setting wins.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  const failures: string[] = [];
  for (const c of candidates) {
    if (!existsSync(c.path)) {
      if (c.origin !== 'source') failures.push(`${c.from}: ${c.path} does not exist`);
      continue;
    }
    const r = tryLoad(req, c.path);
    if ('addon' in r) return { ok: true, addon: r.addon, path: c.path, origin: c.origin, from: c.from, notes };
    failures.push(r.why);
    notes.push(`${c.from} passed over: ${r.why}`);
  }
  const fix = buildFix(root, prebuiltName);
  if (failures.length > 0) return { ok: false, reason: failures.join('; '), fix, notes };
  const why = notes.find((n) => n.startsWith('prebuilt: '));
  return {
    ok: false,
    reason: `the addon is not built (no ${source.path})${why ? ` and no prebuilt binary (${why.slice('prebuilt: '.length)})` : ''}`,
    fix,
    notes,
  };
}
