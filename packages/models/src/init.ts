import * as tf from '@tensorflow/tfjs-core';

/**
 * Seeded random initialisers with PyTorch's default distributions.
 *
 * PyTorch initialises `Conv1d`, `Conv2d` and `Linear` weights with `kaiming_uniform_(a=√5)`, which is
 * U(-1/√fan_in, 1/√fan_in), and their biases with the same bound; `Embedding` with N(0, 1). The draws
 * differ from PyTorch's (another generator) but follow the same distributions, and the same seed always
 * gives the same weights.
 */
export interface Initializer {
  /**
   * U(-1/√fanIn, 1/√fanIn): PyTorch's default for conv/linear weights (kaiming-uniform, a=√5) and biases.
   * @param shape - shape of the tensor to draw, e.g. `[kh, kw, in, out]` for a conv weight.
   * @param fanIn - inputs per output unit (in · kh · kw for a conv, in for a linear layer); the bound is 1/√fanIn.
   */
  kaimingUniform(shape: number[], fanIn: number): tf.Tensor;
  /**
   * N(0, 1): PyTorch's default for `Embedding` weights.
   * @param shape - shape of the tensor to draw, e.g. `[numEmbeddings, embeddingDim]`.
   */
  standardNormal(shape: number[]): tf.Tensor;
}

/**
 * Creates an {@link Initializer} whose successive draws are reproducible from `seed`.
 * @param seed - an integer; two models built with the same seed have bit-identical weights.
 */
export function createInitializer(seed: number): Initializer {
  if (!Number.isInteger(seed)) {
    throw new Error(`createInitializer: seed must be an integer, got ${seed}; pass e.g. seed: 0`);
  }
  let draws = 0;
  // Each draw gets its own seed so that adding a layer does not shift the draws of the ones before it.
  const nextSeed = (): number => (Math.imul(seed ^ 0x9e3779b9, 2654435761) + Math.imul(++draws, 40503)) >>> 0;
  return {
    kaimingUniform(shape, fanIn) {
      const bound = 1 / Math.sqrt(fanIn);
      return tf.randomUniform(shape, -bound, bound, 'float32', nextSeed());
    },
    standardNormal(shape) {
      return tf.randomNormal(shape, 0, 1, 'float32', nextSeed());
    },
  };
}
