import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` and returns the peak `tf.memory().numBytes` above the start, sampled after every kernel (as `tf.profile`'s
 * `peakBytes` is, without its per-kernel records, which are slow). Shared by the memory tests and the benchmarks.
 */
export function peakBytesOf(fn: () => void): number {
  const engine = tf.engine() as unknown as { runKernelFunc: (...a: unknown[]) => unknown; state: { numBytes: number } };
  const base = engine.state.numBytes;
  let peak = base;
  const runKernelFunc = engine.runKernelFunc;
  engine.runKernelFunc = function (this: typeof engine, ...a: unknown[]) {
    const out = runKernelFunc.apply(this, a);
    peak = Math.max(peak, this.state.numBytes);
    return out;
  };
  try {
    fn();
  } finally {
    engine.runKernelFunc = runKernelFunc;
  }
  return peak - base;
}
