import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients and no chained ops; training needs both.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { z } from 'zod';

/** Backends {@link initBackend} can select. */
export type BackendName = 'tensorflow' | 'native' | 'wasm' | 'cpu';

/** Options of {@link initBackend}. */
export const initBackendOptionsSchema = z
  .object({
    /** Which backend to use; `auto` takes the fastest one that is available. */
    backend: z.enum(['auto', 'tensorflow', 'native', 'wasm', 'cpu']).default('auto'),
    /** Worker threads for backends that use them (native, wasm). */
    threads: z.number().int().min(1).max(256).optional(),
    /** Where the choice and the reasons for it are reported; `false` keeps quiet. */
    log: z.union([z.literal(false), z.custom<(line: string) => void>((v) => typeof v === 'function')]).optional(),
  })
  .strict();

/** Options of {@link initBackend}, as accepted (defaults applied by the schema). */
export type InitBackendOptions = z.input<typeof initBackendOptionsSchema>;

/** What {@link initBackend} chose, and why the faster candidates were skipped. */
export interface BackendChoice {
  /** The backend now active in tfjs. */
  backend: BackendName;
  /** The tfjs backend name registered with the engine (e.g. `tensorflow`, `wasm`, `cpu`). */
  tfjsBackend: string;
  /** Threads the backend uses. */
  threads: number;
  /** One line per candidate that was considered and skipped, with the reason. */
  skipped: string[];
}

/** Picks, initialises and activates a TensorFlow.js backend that can train. */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  const opts = initBackendOptionsSchema.parse(options);
  const threads = opts.threads ?? 2;
  const skipped: string[] = [];
  const wanted = opts.backend;
  if (wanted === 'cpu' || wanted === 'auto') {
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    await tf.ready();
  } else {
    throw new Error(`initBackend: backend '${wanted}' is not implemented yet`);
  }
  const choice: BackendChoice = { backend: 'cpu', tfjsBackend: tf.getBackend(), threads, skipped };
  return choice;
}
