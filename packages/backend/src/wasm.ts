import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { conv2dBackpropFilterConfig } from './kernels/conv2d_backprop_filter';
import { conv2dBackpropInputConfig } from './kernels/conv2d_backprop_input';
import { BROADCAST_BINARY_OPS, broadcastBinaryConfig } from './kernels/broadcast_binary';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL } from '@neural-ode/kernels';
import { groupNormConfigs } from './kernels/group_norm';
import { maxPoolGradConfig } from './kernels/max_pool_grad';
import { reduceSumConfig } from './kernels/reduce_sum';
import { unsortedSegmentSumConfig } from './kernels/unsorted_segment_sum';
import { replaceKernel } from './kernel_registry';

/** Kernels this package adds to (or replaces in) tfjs's `wasm` backend so that it can train. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'UnsortedSegmentSum',
  'MaxPoolGrad',
  ...BROADCAST_BINARY_OPS,
  'Sum',
  GROUP_NORM_KERNEL,
  GROUP_NORM_GRAD_KERNEL,
] as const;

/** The wasm build caps its thread pool at this many threads (it pre-creates 8 workers). */
export const WASM_MAX_THREADS = 8;

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');
type BackendFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
interface EmscriptenModule {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: number[]) => number;
  PThread?: { unusedWorkers: Array<{ unref(): void }>; runningWorkers: Array<{ unref(): void }> };
  tfjs?: unknown;
}

const requireHere = createRequire(import.meta.url);
let stockFactory: BackendFactory | null = null;
let kernelsRegistered = false;
/** Threads of the wasm backend instance tfjs currently holds (1 = tfjs's own single-threaded build). */
let activeThreads = 0;
/** Why the multi-threaded build could not start in this process (not retried once it failed). */
let threadedFailure: string | null = null;

/**
 * Emscripten adds process-wide `uncaughtException`/`unhandledRejection` handlers that rethrow; they turn a
 * user's unhandled rejection into a crash. Remove the ones a wasm module start added.
 */
async function withoutEmscriptenProcessHooks<T>(start: () => Promise<T>): Promise<T> {
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((e) => new Set(process.listeners(e as 'uncaughtException')));
  try {
    return await start();
  } finally {
    events.forEach((e, i) => {
      for (const l of process.listeners(e as 'uncaughtException')) {
        if (!before[i].has(l)) process.removeListener(e as 'uncaughtException', l);
      }
    });
  }
}

/** Writes `content` to `path` unless it already holds exactly that (temporary name + rename). */
function writeOnce(path: string, content: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Starts tfjs-backend-wasm's multi-threaded SIMD build under Node, which tfjs 4.22 refuses to do: its pthread
 * workers are started from a `blob:` URL (Node's worker_threads cannot load those) and the C++ side caps the pool at
 * half of `os.cpus()`. Here the worker script is written to a file, the module script is passed by path, and
 * `os.cpus()` reports 2× the wanted threads while the module initialises.
 */
async function startThreadedWasm(wasmPkg: WasmPackage, threads: number): Promise<tf.KernelBackend> {
  const pkgDir = dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const out = join(pkgDir, 'wasm-out');
  const factory = requireHere(join(out, 'tfjs-backend-wasm-threaded-simd.js')) as (
    cfg: object,
  ) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = requireHere(join(out, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const version = (requireHere(join(pkgDir, 'package.json')) as { version: string }).version;
  const dir = join(tmpdir(), `neural-ode-tfjs-wasm-${version}`);
  mkdirSync(dir, { recursive: true });
  const workerFile = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  // tfjs escapes newlines the same way before it makes its Blob.
  writeOnce(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));

  const os = requireHere('node:os') as typeof import('node:os');
  const realCpus = os.cpus;
  const one = realCpus()[0];
  os.cpus = () => Array.from({ length: 2 * threads }, () => one);
  let module: EmscriptenModule;
  try {
    module = await withoutEmscriptenProcessHooks(() =>
      factory({
        locateFile: (path: string, prefix: string) =>
          path.endsWith('.worker.js')
            ? workerFile
            : path.endsWith('.wasm')
              ? join(out, 'tfjs-backend-wasm-threaded-simd.wasm')
              : prefix + path,
        mainScriptUrlOrBlob: join(out, 'tfjs-backend-wasm-threaded-simd.js'),
      }),
    );
  } finally {
    os.cpus = realCpus;
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasmPkg.setThreadsCount(threads);
  const backend = new wasmPkg.BackendWasm(module as never);
  // Idle pool threads must not keep the process alive.
  for (const w of [...(module.PThread?.unusedWorkers ?? []), ...(module.PThread?.runningWorkers ?? [])]) w.unref();
  return backend;
}

/** What {@link activateWasm} achieved. */
export interface WasmActivation {
  /** Threads the wasm thread pool really has. */
  threads: number;
  /** Why fewer threads than asked are used, if so. */
  notes: string[];
}

/**
 * Imports the wasm backend, registers the training kernels it lacks, starts it with `threads` threads (falling back
 * to tfjs's single-threaded build with a note when threads cannot start) and activates it.
 */
export async function activateWasm(threads: number): Promise<WasmActivation> {
  const wasmPkg: WasmPackage = await import('@tensorflow/tfjs-backend-wasm');
  stockFactory ??= tf.findBackendFactory('wasm') as BackendFactory;
  if (!kernelsRegistered) {
    replaceKernel(conv2dBackpropFilterConfig('wasm'));
    replaceKernel(conv2dBackpropInputConfig('wasm'));
    replaceKernel(unsortedSegmentSumConfig('wasm'));
    replaceKernel(maxPoolGradConfig('wasm'));
    for (const op of BROADCAST_BINARY_OPS) replaceKernel(broadcastBinaryConfig(op, 'wasm', true));
    replaceKernel(reduceSumConfig('Sum', 'wasm'));
    for (const config of groupNormConfigs('wasm')) replaceKernel(config);
    kernelsRegistered = true;
  }
  const notes: string[] = [];
  let wanted = Math.min(threads, WASM_MAX_THREADS);
  if (threads > WASM_MAX_THREADS) notes.push(`wasm: ${threads} threads asked, its pool holds at most ${WASM_MAX_THREADS}`);
  if (wanted > 1 && threadedFailure != null) {
    notes.push(`wasm: multi-threading failed earlier in this process (${threadedFailure}); using 1 thread`);
    wanted = 1;
  }
  if (activeThreads !== wanted || tf.findBackend('wasm') == null) {
    let backend: tf.KernelBackend | null = null;
    if (wanted > 1) {
      try {
        if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available');
        backend = await startThreadedWasm(wasmPkg, wanted);
      } catch (e) {
        threadedFailure = (e as Error).message;
        notes.push(`wasm: multi-threading failed (${threadedFailure}); using 1 thread`);
      }
    }
    if (tf.findBackendFactory('wasm') != null) tf.removeBackend('wasm');
    if (backend != null) {
      const ready = backend;
      tf.registerBackend('wasm', () => ready, 2);
    } else {
      tf.registerBackend('wasm', stockFactory, 2);
    }
  }
  const ok = await withoutEmscriptenProcessHooks(() => tf.setBackend('wasm'));
  if (!ok) throw new Error('tfjs could not initialise the wasm backend (see the warning above)');
  await tf.ready();
  activeThreads = wasmPkg.getThreadsCount();
  if (activeThreads < wanted && notes.length === 0) {
    notes.push(`wasm: ${wanted} threads asked, the wasm module started ${activeThreads}`);
  }
  return { threads: activeThreads, notes };
}
