import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { pytorchCases } from './fixtures/pytorch-cases';
import fixture from './fixtures/pytorch-logits.json';

// The logits and BatchNorm buffers that PyTorch (scripts/pytorch_reference.py, the reference models written
// from the issue) computes for the same weights and inputs; regenerate with scripts/make-pytorch-fixture.ts.
type Recorded = { eval: number[][]; train: number[][]; buffers: Record<string, number | number[]> };
const recorded = (fixture as { cases: Record<string, Recorded> }).cases;

function maxRelativeError(actual: tf.Tensor, expected: number[] | number[][]): number {
  const want = tf.tensor(expected);
  const err = tf.max(tf.abs(tf.sub(actual, want))).dataSync()[0];
  const scale = Math.max(1, tf.max(tf.abs(want)).dataSync()[0]);
  return err / scale;
}

// cpu runs everywhere; native (oneDNN convs, the fused GroupNorm kernels) where @neural-ode/backend-native is built.
describe.each(['cpu', 'native'] as const)('same function as the PyTorch reference on %s', (backend) => {
  let available = false;
  beforeAll(async () => {
    try {
      await initBackend({ backend, log: false });
      available = true;
    } catch {
      available = false;
    }
  });

  it.for(pytorchCases.map((c) => [c.name, c] as const))('%s: evaluation and training logits, BatchNorm buffers', ([name, c], ctx) => {
    if (!available) ctx.skip();
    const want = recorded[name];
    expect(want, `no recorded PyTorch output for ${name}: run scripts/make-pytorch-fixture.ts`).toBeDefined();
    const model = c.build();
    const x = c.input();
    expect(maxRelativeError(model.apply(x, { training: false }), want.eval)).toBeLessThan(1e-5);
    expect(maxRelativeError(model.apply(x, { training: true }), want.train)).toBeLessThan(1e-5);
    const buffers = model.namedWeights().filter((w) => !w.trainable);
    expect(buffers.map((w) => w.name).sort()).toEqual(Object.keys(want.buffers).sort());
    for (const w of buffers) {
      const expected = want.buffers[w.name];
      if (w.torchDtype === 'I64') expect(w.variable.dataSync()[0], w.name).toBe(expected);
      else expect(maxRelativeError(w.variable, expected as number[]), w.name).toBeLessThan(1e-5);
    }
    model.dispose();
  });
});
