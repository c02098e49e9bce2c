import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean softmax cross-entropy of `logits` `[n, classes]` against int32 `labels` `[n]` (PyTorch's
 * `F.cross_entropy`), and the number of correct arg-max predictions (int32 scalar, no gradient).
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor): { loss: tf.Scalar; correct: tf.Scalar } {
  const classes = logits.shape[1];
  const onehot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes);
  const loss = tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'int32')) as tf.Scalar;
  return { loss, correct };
}
