import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './index';

describe('initBackend', () => {
  it('activates a backend on which gradients work', async () => {
    const choice = await initBackend({ backend: 'cpu', log: false });
    expect(choice.tfjsBackend).toBe('cpu');
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
  });
  it('rejects unknown options by name', async () => {
    await expect(initBackend({ backend: 'cpu', thread: 2 } as never)).rejects.toThrow(/thread/);
  });
});
