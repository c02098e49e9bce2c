// Picks the TensorFlow.js backend for the live page: WebGL where the browser has it, else wasm, else cpu.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients: training needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// Vite emits the wasm binaries as assets of this site and gives their URLs: nothing is fetched elsewhere.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Backends the live page can run on, in the order `auto` tries them. */
export const liveBackends = ['webgl', 'wasm', 'cpu'] as const;

/** A backend name, or `auto` for the first of {@link liveBackends} that initialises. */
export type LiveBackend = (typeof liveBackends)[number] | 'auto';

let webglLoaded = false;

/** Activates `wanted` (or the best available), returning the active name and why others were skipped. */
export async function activateBackend(wanted: LiveBackend): Promise<{ active: string; skipped: string[] }> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  if (!webglLoaded) {
    await import('@tensorflow/tfjs-backend-webgl');
    webglLoaded = true;
  }
  const candidates = wanted === 'auto' ? [...liveBackends] : [wanted];
  const skipped: string[] = [];
  for (const name of candidates) {
    let ok = false;
    try {
      ok = await tf.setBackend(name);
      if (ok) await tf.ready();
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    if (ok) return { active: tf.getBackend(), skipped };
    skipped.push(`${name}: not available in this browser`);
  }
  throw new Error(`No TensorFlow.js backend could start (${skipped.join('; ')})`);
}
