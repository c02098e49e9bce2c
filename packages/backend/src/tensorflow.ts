import * as tf from '@tensorflow/tfjs-core';

/** A tfjs-node flavour: the npm package and what it needs. */
export interface TensorflowFlavour {
  /** npm package name. */
  pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';
  /** How to install it, for error messages and logs. */
  install: string;
}

/** tfjs-node-gpu first (CUDA), then tfjs-node (libtensorflow on the CPU). */
export const TENSORFLOW_FLAVOURS: readonly TensorflowFlavour[] = [
  {
    pkg: '@tensorflow/tfjs-node-gpu',
    install:
      'npm i @tensorflow/tfjs-node-gpu@4.22.0 (Linux x64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1; ' +
      'its install script downloads libtensorflow, so it needs internet access)',
  },
  {
    pkg: '@tensorflow/tfjs-node',
    install:
      'npm i @tensorflow/tfjs-node@4.22.0 (its install script downloads libtensorflow and a prebuilt binding, ' +
      'so it needs internet access; on failure see https://github.com/tensorflow/tfjs/tree/master/tfjs-node)',
  },
];

/** Loads a module by a name only known at run time (keeps bundlers and tsc from resolving optional packages). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/** Node's own `import()`, hidden from bundlers. */
export const dynamicImport: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

/** True when `e` says the module itself (not one of its dependencies' files) could not be found. */
export function isModuleNotFound(e: unknown, specifier: string): boolean {
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? '');
  const notFound =
    err?.code === 'ERR_MODULE_NOT_FOUND' ||
    err?.code === 'MODULE_NOT_FOUND' ||
    /Cannot find (module|package)|Could not resolve|Failed to (load|resolve)/.test(msg);
  return notFound && msg.includes(specifier);
}

/** Result of trying one flavour. */
export type TensorflowAttempt = { ok: true; flavour: TensorflowFlavour } | { ok: false; reason: string };

/**
 * Imports a tfjs-node flavour (it registers the `tensorflow` backend) and activates it. `threads` is passed as
 * `TF_NUM_INTRAOP_THREADS` unless that is set already (libtensorflow reads it when it loads).
 */
export async function tryTensorflow(
  flavour: TensorflowFlavour,
  threads: number | undefined,
  importer: ModuleImporter = dynamicImport,
): Promise<TensorflowAttempt> {
  if (threads != null && process.env.TF_NUM_INTRAOP_THREADS == null) {
    process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  }
  try {
    await importer(flavour.pkg);
  } catch (e) {
    if (isModuleNotFound(e, flavour.pkg)) return { ok: false, reason: `${flavour.pkg} is not installed` };
    return { ok: false, reason: `${flavour.pkg} is installed but failed to load: ${(e as Error).message}` };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return { ok: false, reason: `${flavour.pkg} loaded but registered no 'tensorflow' backend` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, reason: `${flavour.pkg} loaded but its 'tensorflow' backend failed to initialise` };
  }
  await tf.ready();
  return { ok: true, flavour };
}
