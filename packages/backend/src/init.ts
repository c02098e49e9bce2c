import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients and no chained ops; training needs both.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { activateCpu, CPU_TRAINING_KERNELS } from './cpu';
import { registerTopKGrad } from './gradients/topk_grad';
import { NATIVE_PACKAGE, tryNative } from './native';
import { TENSORFLOW_FLAVOURS, tryTensorflow } from './tensorflow';
import { activateWasm, WASM_MAX_THREADS, WASM_TRAINING_KERNELS } from './wasm';

/** Backends {@link initBackend} can select. */
export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

/** What `backend` may ask {@link initBackend} for: `auto` or a {@link BackendName} (the list CLIs and configs use). */
export const BACKEND_NAMES = Object.freeze(['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const satisfies readonly ('auto' | BackendName)[]);

/** Options of {@link initBackend}. */
export const initBackendOptionsSchema = z
  .object({
    /**
     * Which backend to use; `auto` takes the fastest one that is available, in this order: tfjs-node-gpu,
     * tfjs-node (both `tensorflow`), `native` (@neural-ode/backend-native), `wasm`, `cpu`.
     */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Threads for backends that use them (native, wasm, tensorflow); default: the cores available, at most 8. */
    threads: z.number().int().min(1).max(256).optional(),
    /** Where the choice and the reasons for it are reported (default: stderr); `false` keeps quiet. */
    log: z.union([z.literal(false), z.custom<(line: string) => void>((v) => typeof v === 'function')]).optional(),
  })
  .strict();

/** Options of {@link initBackend}, as accepted (defaults applied by the schema). */
export type InitBackendOptions = z.input<typeof initBackendOptionsSchema>;

/** What {@link initBackend} chose, and why the faster candidates were skipped. */
export interface BackendChoice {
  /** The backend now active in tfjs. */
  backend: BackendName;
  /** The tfjs backend name registered with the engine (e.g. `tensorflow`, `native`, `wasm`, `cpu`). */
  tfjsBackend: string;
  /** Threads the backend uses (for `tensorflow`: the `TF_NUM_INTRAOP_THREADS` it was given, if any). */
  threads: number;
  /** One line per candidate that was considered and skipped, with the reason and how to enable it. */
  skipped: string[];
  /** Training kernels this package added to or replaced in the chosen backend. */
  kernels: string[];
  /** Anything else worth knowing (e.g. why fewer threads than asked run). */
  notes: string[];
  /** The npm package that provides the backend. */
  provider: string;
}

/** Asking for a backend that cannot run here; the message says why and how to install or enable it. */
export class BackendUnavailableError extends Error {
  /** The backend that was asked for. */
  readonly backend: BackendName;
  /** Why each way of providing it failed. */
  readonly reasons: string[];

  /**
   * The error for `backend`, its message built from the reasons and the fix.
   * @param backend - the backend that was asked for (kept as `backend`).
   * @param reasons - why each way of providing it failed, one entry per way tried (kept as `reasons`; joined with `; `
   *   in the message).
   * @param fix - how to install or enable it, appended to the message as a sentence.
   */
  constructor(backend: BackendName, reasons: string[], fix: string) {
    super(`initBackend: backend '${backend}' is not available: ${reasons.join('; ')}. ${fix}`);
    this.name = 'BackendUnavailableError';
    this.backend = backend;
    this.reasons = reasons;
  }
}

const LOG_PREFIX = '[@neural-ode/backend]';

/** The default thread count: the cores Node may use, at most {@link WASM_MAX_THREADS}. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(WASM_MAX_THREADS, availableParallelism()));
}

/**
 * Picks, initialises and activates a TensorFlow.js backend that can train, registers the gradients (and
 * chained ops) tfjs-core lacks, and reports what it chose and why the faster ones were skipped.
 *
 * @param options - `backend` (`auto`, the default, or one of `tensorflow`, `native`, `wasm`, `cpu`), `threads`
 *   (default: the cores available, at most 8) and `log` (`true`, `false` or a function that takes each line); the
 *   table below lists them.
 *
 * @example
 * ```ts
 * import { initBackend } from '@neural-ode/backend';
 * const choice = await initBackend({ backend: 'auto', threads: 2 });
 * // [@neural-ode/backend] using wasm (2 threads) ... / skipped tfjs-node-gpu: ... not installed (npm i ...)
 * ```
 * @throws {@link BackendUnavailableError} when an explicitly requested backend cannot run here.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const parsed = initBackendOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => {
        const keys = 'keys' in i && Array.isArray(i.keys) ? ` (${i.keys.join(', ')})` : '';
        return `${i.path.join('.') || 'options'}${keys}: ${i.message}`;
      })
      .join('; ');
    throw new Error(
      `initBackend: invalid options ${safeJson(options)}: ${issues}. ` +
        `Valid: { backend?: 'auto'|'tensorflow'|'native'|'wasm'|'cpu', threads?: integer 1..256, log?: false|(line)=>void }`,
    );
  }
  const opts = parsed.data;
  const log = opts.log === false ? () => {} : (opts.log ?? ((line: string) => console.error(line)));
  const threads = opts.threads ?? defaultThreads();
  registerTopKGrad();

  const skipped: string[] = [];
  const wanted = opts.backend;
  let choice: BackendChoice | null = null;
  // Where the chosen backend's binary came from, when that varies (the native addon: prebuilt or source build).
  let binary = '';

  if (wanted === 'auto' || wanted === 'tensorflow') {
    const reasons: string[] = [];
    for (const flavour of TENSORFLOW_FLAVOURS) {
      const r = await tryTensorflow(flavour, opts.threads);
      if (r.ok) {
        choice = result('tensorflow', threads, skipped, [], [], flavour.pkg);
        break;
      }
      reasons.push(r.reason);
      skipped.push(`${shortName(flavour.pkg)}: ${r.reason} (to use it: ${flavour.install})`);
    }
    if (choice == null && wanted === 'tensorflow') {
      throw new BackendUnavailableError(
        'tensorflow',
        reasons,
        `Install one of: ${TENSORFLOW_FLAVOURS.map((f) => f.install).join(' or ')}.`,
      );
    }
  }
  if (choice == null && (wanted === 'auto' || wanted === 'native')) {
    const r = await tryNative(threads);
    if (r.ok) {
      choice = result('native', threads, skipped, [], r.notes.map((n) => `native addon: ${n}`), NATIVE_PACKAGE);
      if (r.binary) binary = `; binary: ${r.binary}`;
    } else if (wanted === 'native') {
      throw new BackendUnavailableError('native', [r.reason], `To enable it: ${r.fix}.`);
    } else {
      skipped.push(`native: ${r.reason} (to enable it: ${r.fix})`);
    }
  }
  if (choice == null && (wanted === 'auto' || wanted === 'wasm')) {
    try {
      const w = await activateWasm(threads);
      choice = result('wasm', w.threads, skipped, [...WASM_TRAINING_KERNELS], w.notes, '@tensorflow/tfjs-backend-wasm');
    } catch (e) {
      const reason = (e as Error).message;
      if (wanted === 'wasm') {
        throw new BackendUnavailableError(
          'wasm',
          [reason],
          'Reinstall @tensorflow/tfjs-backend-wasm@4.22.0 (its .wasm files must be next to its dist/ files).',
        );
      }
      skipped.push(`wasm: ${reason}`);
    }
  }
  if (choice == null) {
    try {
      await activateCpu();
    } catch (e) {
      throw new BackendUnavailableError('cpu', [(e as Error).message], 'Reinstall @tensorflow/tfjs-backend-cpu@4.22.0.');
    }
    choice = result('cpu', 1, skipped, [...CPU_TRAINING_KERNELS], [], '@tensorflow/tfjs-backend-cpu');
  }

  const kernels = choice.kernels.length > 0 ? `; training kernels added: ${choice.kernels.join(', ')}` : '';
  log(`${LOG_PREFIX} using ${choice.backend} via ${choice.provider} (${choice.threads} thread${choice.threads === 1 ? '' : 's'}${binary}${kernels})`);
  for (const line of choice.skipped) log(`${LOG_PREFIX}   skipped ${line}`);
  for (const line of choice.notes) log(`${LOG_PREFIX}   note: ${line}`);
  return choice;
}

function result(
  backend: BackendName,
  threads: number,
  skipped: string[],
  kernels: string[],
  notes: string[],
  provider: string,
): BackendChoice {
  return { backend, tfjsBackend: tf.getBackend(), threads, skipped, kernels, notes, provider };
}

function shortName(pkg: string): string {
  return pkg.replace('@tensorflow/', '');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'function' ? '[function]' : x));
  } catch {
    return String(v);
  }
}
