import * as tf from '@tensorflow/tfjs-core';
import type { Initializer } from '../init';
import type { NamedWeight } from '../weights';

/** `tf.customGrad`'s parameter type, whose declared signature cannot name the tensors one by one. */
type CustomGradient = Parameters<typeof tf.customGrad>[0];

/** Options of {@link Embedding}; PyTorch's `nn.Embedding` arguments. */
export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
}

/**
 * PyTorch `nn.Embedding`: a lookup table `[numEmbeddings, embeddingDim]`, N(0, 1) at start.
 *
 * The weight gradient is a one-hot matrix product rather than `gather`'s stock gradient, which needs an
 * `UnsortedSegmentSum` kernel that some backends (wasm) lack.
 */
export class Embedding {
  /** Table `[numEmbeddings, embeddingDim]` (same layout as PyTorch). */
  readonly weight: tf.Variable;
  /** The options the layer was built with. */
  readonly options: EmbeddingOptions;

  /**
   * Builds the table `[numEmbeddings, embeddingDim]`, drawn from N(0, 1).
   * @param options - `numEmbeddings` (rows of the table, the number of ids) and `embeddingDim` (width of a row), both
   *   positive integers.
   * @param init - the seeded initialiser (see `createInitializer`) that draws the table from N(0, 1).
   */
  constructor(options: EmbeddingOptions, init: Initializer) {
    for (const key of ['numEmbeddings', 'embeddingDim'] as const) {
      if (!Number.isInteger(options[key]) || options[key] < 1) {
        throw new Error(`Embedding: ${key} must be a positive integer, got ${options[key]}`);
      }
    }
    this.options = { ...options };
    this.weight = tf.tidy(() => tf.variable(init.standardNormal([options.numEmbeddings, options.embeddingDim])));
  }

  /**
   * `ids`: int32 `[...]` with values in `[0, numEmbeddings)` → `[..., embeddingDim]`.
   * @param ids - int32 ids of any shape, each in `[0, numEmbeddings)`.
   */
  apply(ids: tf.Tensor): tf.Tensor {
    if (ids.dtype !== 'int32') {
      throw new Error(`Embedding: ids must be an int32 tensor, got dtype ${ids.dtype}; use tf.cast(ids, 'int32')`);
    }
    const { numEmbeddings, embeddingDim } = this.options;
    return tf.tidy(() => {
      const flatIds = tf.reshape(ids, [ids.size]) as tf.Tensor1D;
      const lookup = tf.customGrad(((w: tf.Tensor, save: tf.GradSaveFunc) => {
        save([flatIds]);
        return {
          value: tf.gather(w, flatIds),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
            tf.matMul(tf.oneHot(saved[0] as tf.Tensor1D, numEmbeddings), dy as tf.Tensor2D, true, false),
          ],
        };
      }) as unknown as CustomGradient);
      return tf.reshape(lookup(this.weight), [...ids.shape, embeddingDim]);
    });
  }

  /** `weight`, as in PyTorch's `state_dict`. */
  namedWeights(): NamedWeight[] {
    return [{ name: 'weight', variable: this.weight, trainable: true, layout: 'same', torchDtype: 'F32' }];
  }
}
