import * as tf from '@tensorflow/tfjs-core';
import { registerCpuTrainingKernels } from './cpu';
import { dynamicImport, isModuleNotFound } from './tensorflow';
import type { ModuleImporter } from './tensorflow';

/** The npm package with the native CPU kernels (an optional dependency of this one). */
export const NATIVE_PACKAGE = '@neural-ode/backend-native';

/**
 * How to add the native package when it is missing: true whether the packages come from the npm registry or, before a
 * release (or instead of one), from tarballs packed in the repository.
 */
export const NATIVE_INSTALL_FIX =
  `npm i ${NATIVE_PACKAGE}, at the version of @neural-ode/backend (an optional dependency of it, left out by ` +
  `--omit=optional); if you installed @neural-ode/backend from a tarball, install ${NATIVE_PACKAGE}'s tarball with it ` +
  '(`bash scripts/pack-packages.sh DIR` in the neural-ode repository packs both)';

/** Set to `1` to make {@link initBackend} skip the native backend (e.g. to test the fallback). */
export const DISABLE_NATIVE_ENV = 'NEURAL_ODE_NATIVE_DISABLE';

/** What `@neural-ode/backend-native` exports (the contract between the two packages). */
export interface NativeBackendModule {
  /**
   * Whether the addon is built and loadable here; if not, why and how to fix it. When available, `from` and `path`
   * say where the binary came from (e.g. `prebuilt @neural-ode/backend-native-linux-x64-gnu@0.1.0` or
   * `source build`) and `notes` what the loader passed over.
   */
  nativeStatus(): { available: boolean; reason?: string; fix?: string; from?: string; path?: string; notes?: string[] };
  /**
   * Registers a tfjs backend named `native` running with `threads` threads.
   * @param opts - `threads`: the size of the addon's thread pool, a positive integer; fixed for the process once
   *   registered.
   */
  registerNativeBackend(opts: { threads: number }): Promise<void>;
}

/**
 * Result of trying the native backend; when it worked, `binary` says where the addon came from (and its path) and
 * `notes` what its loader passed over, for the log.
 */
export type NativeAttempt = { ok: true; binary?: string; notes: string[] } | { ok: false; reason: string; fix: string };

let registeredThreads: number | null = null;

/** Imports the native package, checks the addon, registers the `native` backend once and activates it. */
export async function tryNative(threads: number, importer: ModuleImporter = dynamicImport): Promise<NativeAttempt> {
  if (process.env[DISABLE_NATIVE_ENV] === '1') {
    return { ok: false, reason: `disabled by ${DISABLE_NATIVE_ENV}=1`, fix: `unset ${DISABLE_NATIVE_ENV}` };
  }
  let mod: NativeBackendModule;
  try {
    mod = (await importer(NATIVE_PACKAGE)) as NativeBackendModule;
  } catch (e) {
    if (isModuleNotFound(e, NATIVE_PACKAGE)) {
      return { ok: false, reason: `${NATIVE_PACKAGE} is not installed`, fix: NATIVE_INSTALL_FIX };
    }
    return {
      ok: false,
      reason: `${NATIVE_PACKAGE} failed to load: ${(e as Error).message}`,
      fix: `reinstall it (npm rebuild ${NATIVE_PACKAGE})`,
    };
  }
  if (typeof mod.nativeStatus !== 'function' || typeof mod.registerNativeBackend !== 'function') {
    return {
      ok: false,
      reason: `${NATIVE_PACKAGE} does not export nativeStatus() and registerNativeBackend()`,
      fix: `install a version of ${NATIVE_PACKAGE} that matches @neural-ode/backend`,
    };
  }
  const status = mod.nativeStatus();
  if (!status.available) {
    return {
      ok: false,
      reason: status.reason ?? 'the native addon is not available',
      fix: status.fix ?? `npm rebuild ${NATIVE_PACKAGE}`,
    };
  }
  if (registeredThreads == null || tf.findBackendFactory('native') == null) {
    await registerCpuTrainingKernels();
    await mod.registerNativeBackend({ threads });
    registeredThreads = threads;
  } else if (registeredThreads !== threads) {
    // The addon's thread pool is sized once; re-registering would drop the live backend and its tensors.
    return {
      ok: false,
      reason: `the native backend already runs with ${registeredThreads} threads in this process (asked ${threads})`,
      fix: `call initBackend with threads: ${registeredThreads}, or restart the process`,
    };
  }
  if (!(await tf.setBackend('native'))) {
    return {
      ok: false,
      reason: "the 'native' backend was registered but failed to initialise",
      fix: `npm rebuild ${NATIVE_PACKAGE}`,
    };
  }
  await tf.ready();
  const binary = status.from ? `${status.from}${status.path ? ` (${status.path})` : ''}` : status.path;
  return { ok: true, ...(binary ? { binary } : {}), notes: status.notes ?? [] };
}
