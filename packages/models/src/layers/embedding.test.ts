import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { createInitializer } from '../init';
import { Embedding } from './embedding';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

describe('Embedding', () => {
  it('looks rows up and sums the gradient of repeated ids', () => {
    const embed = new Embedding({ numEmbeddings: 4, embeddingDim: 2 }, createInitializer(0));
    embed.weight.assign(tf.tensor2d([0, 1, 10, 11, 20, 21, 30, 31], [4, 2]));
    const ids = tf.tensor2d([3, 1, 3], [1, 3], 'int32');
    expect(Array.from(embed.apply(ids).dataSync())).toEqual([30, 31, 10, 11, 30, 31]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(embed.apply(ids), tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 3, 2]))));
    expect(Array.from(grads[embed.weight.name].dataSync())).toEqual([0, 0, 3, 4, 0, 0, 6, 8]);
  });

  it('rejects float ids with the fix', () => {
    const embed = new Embedding({ numEmbeddings: 4, embeddingDim: 2 }, createInitializer(0));
    expect(() => embed.apply(tf.tensor1d([1]))).toThrow(/ids must be an int32 tensor, got dtype float32/);
  });
});
