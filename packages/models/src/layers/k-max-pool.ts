import * as tf from '@tensorflow/tfjs-core';

/** `tf.customGrad`'s parameter type, whose declared signature cannot name the tensors one by one. */
type CustomGradient = Parameters<typeof tf.customGrad>[0];

/**
 * k-max pooling over the sequence of channels-last `x` (`[batch, length, channels]`): for each channel
 * the `k` largest values in descending order (as `torch.topk(x, k, dim=2)[0]` on PyTorch's `[batch,
 * channels, length]`), flattened channel-major to `[batch, channels · k]`.
 *
 * Differentiable on its own (a `tf.customGrad`): the gradient of each pooled value goes to the position it
 * was taken from (a scatter), so it does not rely on a registered `TopK` gradient. Ties are broken towards
 * the lower position (tfjs's `topk`); the pooled values do not depend on how ties are broken.
 * @param x - channels-last input `[batch, length, channels]`.
 * @param k - values kept per channel, an integer in [1, length].
 */
export function kMaxPool(x: tf.Tensor3D, k: number): tf.Tensor2D {
  const [batch, length, channels] = x.shape;
  if (!Number.isInteger(k) || k < 1 || k > length) {
    throw new Error(`kMaxPool: k must be an integer in [1, ${length}] (the sequence length), got ${k}`);
  }
  return tf.tidy(() => {
    const rows = batch * channels;
    const pool = tf.customGrad(((xt: tf.Tensor, save: tf.GradSaveFunc) => {
      const { values, indices } = tf.topk(xt, k, true);
      save([indices]);
      return {
        value: values,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          // Flat position of every pooled value in x: row · length + index within the row.
          const rowStart = tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(length, 'int32'));
          const flatIndex = tf.add(tf.reshape(saved[0], [rows, k]), tf.reshape(rowStart, [rows, 1]));
          const dx = tf.scatterND(tf.reshape(flatIndex, [rows * k, 1]), tf.reshape(dy, [rows * k]), [rows * length]);
          return [tf.reshape(dx, xt.shape)];
        },
      };
    }) as unknown as CustomGradient);
    const pooled = pool(tf.transpose(x, [0, 2, 1]));
    return tf.reshape(pooled, [batch, channels * k]) as tf.Tensor2D;
  });
}

/** The k-max pooling layer of the text models (no weights); see {@link kMaxPool}. */
export class KMaxPool {
  /** Values kept per channel. */
  readonly k: number;

  /**
   * A pooling layer that keeps the `k` largest values of each channel.
   * @param k - values kept per channel, a positive integer (4 in the text models); `apply` also needs k ≤ the sequence
   *   length.
   */
  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`KMaxPool: k must be a positive integer, got ${k}`);
    this.k = k;
  }

  /**
   * `x`: `[batch, length, channels]` → `[batch, channels · k]`.
   * @param x - channels-last input `[batch, length, channels]` with length ≥ k.
   */
  apply(x: tf.Tensor3D): tf.Tensor2D {
    return kMaxPool(x, this.k);
  }
}
