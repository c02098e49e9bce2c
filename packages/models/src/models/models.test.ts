import { solver } from '@neural-ode/odeint';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { torchShape } from '../weights';
import type { Model } from './model';
import { odenet } from './odenet';
import { createModel, modelNames, modelRegistry } from './registry';
import { resnet } from './resnet';
import { vdcnn } from './vdcnn';
import { vdcnnOde } from './vdcnn-ode';

/** A solver for tests that only build a model (the models have no default solver). */
const RK4 = { method: 'rk4', stepSize: 0.25 } as const;

beforeAll(async () => {
  await initBackend({ backend: 'cpu', log: false });
});

function count(model: Model): number {
  const n = model.countParams();
  model.dispose();
  return n;
}

describe('parameter counts (the reference implementation’s)', () => {
  it.each([
    ['MNIST ResNet(6)', 576_778, () => resnet({ inChannels: 1, blocks: 6 })],
    ['MNIST ResNet(1)', 206_858, () => resnet({ inChannels: 1, blocks: 1 })],
    ['MNIST ODE-Net', 208_010, () => odenet({ inChannels: 1, solver: RK4 })],
    ['CIFAR-10 ResNet(6)', 577_930, () => resnet({ inChannels: 3, blocks: 6 })],
    ['CIFAR-10 ResNet(1)', 208_010, () => resnet({ inChannels: 3, blocks: 1 })],
    ['CIFAR-10 ODE-Net', 209_162, () => odenet({ inChannels: 3, solver: RK4 })],
    ['VDCNN(6)', 286_740, () => vdcnn({ blocks: 6 })],
    ['VDCNN(1)', 161_940, () => vdcnn({ blocks: 1 })],
    ['VDCNN-ODE', 162_196, () => vdcnnOde({ solver: RK4 })],
  ] as const)('%s has %i parameters', (_name, expected, make) => {
    expect(count(make())).toBe(expected);
  });
});

describe('embeddingSize (the reference --embd_size)', () => {
  it.each([
    ['vdcnn(1)', (embeddingSize?: number) => vdcnn({ blocks: 1, embeddingSize }), 161_940],
    ['vdcnn-ode', (embeddingSize?: number) => vdcnnOde({ embeddingSize, solver: RK4 }), 162_196],
  ] as const)('%s: embed.weight is [69, E], conv1d E→64, and the head does not change', (_name, make, base) => {
    const model = make(32);
    expect(shapes(model).slice(0, 3)).toEqual(['embed.weight[69,32]', 'conv.weight[64,32,3]', 'conv.bias[64]']);
    // 69·E + 3·E·64 more weights per extra embedding channel: (69 + 192)·16 = 4176 for E = 32.
    expect(model.countParams()).toBe(base + 4176);
    const x = tf.zeros([2, 40], 'int32');
    const y = model.apply(x);
    expect(y.shape).toEqual([2, 4]);
    tf.dispose([x, y]);
    model.dispose();
    expect(count(make(undefined))).toBe(base);
    expect(() => make(0)).toThrow(/embeddingSize/);
  });
});

describe('no tensor leak', () => {
  it.each([
    ['resnet(1)', () => resnet({ inChannels: 1, blocks: 1 })],
    ['odenet', () => odenet({ inChannels: 3, solver: RK4 })],
    ['vdcnn(1)', () => vdcnn({ blocks: 1 })],
    ['vdcnn-ode', () => vdcnnOde({ solver: RK4 })],
  ] as const)('%s: creating then disposing leaves tf.memory().numTensors where it was', (_name, make) => {
    const before = tf.memory().numTensors;
    const model = make();
    const variables = model.namedWeights().length;
    expect(variables).toBeGreaterThan(0);
    // Exactly one tensor per weight while the model lives: no leftover initial values.
    expect(tf.memory().numTensors - before).toBe(variables);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

const shapes = (model: Model) => model.namedWeights().map((w) => `${w.name}[${torchShape(w.variable.shape, w.layout)}]`);

describe('state_dict names and PyTorch shapes', () => {
  it('resnet: downsampling, feature.{i}, norm, fc', () => {
    const model = resnet({ inChannels: 3, blocks: 2 });
    expect(shapes(model)).toEqual([
      'downsampling.0.weight[64,3,3,3]', 'downsampling.0.bias[64]', 'downsampling.1.weight[64]', 'downsampling.1.bias[64]',
      'downsampling.3.weight[64,64,4,4]', 'downsampling.3.bias[64]', 'downsampling.4.weight[64]', 'downsampling.4.bias[64]',
      'downsampling.6.weight[64,64,4,4]', 'downsampling.6.bias[64]',
      ...[0, 1].flatMap((i) => [
        `feature.${i}.norm1.weight[64]`, `feature.${i}.norm1.bias[64]`, `feature.${i}.conv1.weight[64,64,3,3]`,
        `feature.${i}.norm2.weight[64]`, `feature.${i}.norm2.bias[64]`, `feature.${i}.conv2.weight[64,64,3,3]`,
      ]),
      'norm.weight[64]', 'norm.bias[64]', 'fc.weight[10,64]', 'fc.bias[10]',
    ]);
    model.dispose();
  });

  it('odenet: feature.func.*', () => {
    const model = odenet({ inChannels: 1, solver: RK4 });
    expect(shapes(model).filter((s) => s.startsWith('feature'))).toEqual([
      'feature.func.conv1.weight[64,65,3,3]', 'feature.func.norm1.weight[64]', 'feature.func.norm1.bias[64]',
      'feature.func.conv2.weight[64,65,3,3]', 'feature.func.norm2.weight[64]', 'feature.func.norm2.bias[64]',
    ]);
    model.dispose();
  });

  const bn = (p: string) => [`${p}.weight[64]`, `${p}.bias[64]`, `${p}.running_mean[64]`, `${p}.running_var[64]`, `${p}.num_batches_tracked[]`];

  it('vdcnn: embed, conv, feature.{i}.conv_block.{0,1,3,4}, norm with buffers, fc.{0,2,4}', () => {
    const model = vdcnn({ blocks: 1 });
    expect(shapes(model)).toEqual([
      'embed.weight[69,16]', 'conv.weight[64,16,3]', 'conv.bias[64]',
      'feature.0.conv_block.0.weight[64,64,3]', 'feature.0.conv_block.0.bias[64]', ...bn('feature.0.conv_block.1'),
      'feature.0.conv_block.3.weight[64,64,3]', 'feature.0.conv_block.3.bias[64]', ...bn('feature.0.conv_block.4'),
      ...bn('norm'),
      'fc.0.weight[256,256]', 'fc.0.bias[256]', 'fc.2.weight[256,256]', 'fc.2.bias[256]', 'fc.4.weight[4,256]', 'fc.4.bias[4]',
    ]);
    model.dispose();
  });

  it('vdcnn-ode: feature.func.{conv1,norm1,conv2,norm2} with BatchNorm buffers', () => {
    const model = vdcnnOde({ solver: RK4 });
    expect(shapes(model).filter((s) => s.startsWith('feature'))).toEqual([
      'feature.func.conv1.weight[64,65,3]', ...bn('feature.func.norm1'),
      'feature.func.conv2.weight[64,65,3]', ...bn('feature.func.norm2'),
    ]);
    model.dispose();
  });
});

describe('initialisation', () => {
  it('is seeded, and follows PyTorch’s bounds (kaiming-uniform a=√5: |w| ≤ 1/√fan_in)', () => {
    const a = resnet({ blocks: 1, seed: 3 });
    const b = resnet({ blocks: 1, seed: 3 });
    const c = resnet({ blocks: 1, seed: 4 });
    const first = (m: Model) => m.namedWeights()[0].variable;
    expect(Array.from(first(a).dataSync())).toEqual(Array.from(first(b).dataSync()));
    expect(Array.from(first(a).dataSync())).not.toEqual(Array.from(first(c).dataSync()));
    const conv3 = a.namedWeights().find((w) => w.name === 'downsampling.3.weight')!.variable;
    const bound = 1 / Math.sqrt(64 * 16);
    expect(tf.max(tf.abs(conv3)).dataSync()[0]).toBeLessThanOrEqual(bound);
    expect(tf.max(tf.abs(conv3)).dataSync()[0]).toBeGreaterThan(0.95 * bound);
    // U(-b, b) has variance b²/3.
    expect(tf.moments(conv3).variance.dataSync()[0]).toBeCloseTo(bound ** 2 / 3, 5);
    for (const m of [a, b, c]) m.dispose();
  });
});

describe('forward shapes', () => {
  it('image models map [batch, h, w, C] to [batch, 10]', () => {
    const mnist = resnet({ inChannels: 1, blocks: 1 });
    expect(mnist.apply(tf.zeros([1, 28, 28, 1])).shape).toEqual([1, 10]);
    const cifar = odenet({ inChannels: 3, solver: { method: 'euler', stepSize: 0.5 } });
    expect(cifar.apply(tf.zeros([1, 32, 32, 3])).shape).toEqual([1, 10]);
    expect(cifar.nfe.forward).toBe(2);
    mnist.dispose();
    cifar.dispose();
  });

  it('text models map [batch, length] ids to [batch, 4]', () => {
    const ids = tf.tensor2d(Array.from({ length: 2 * 40 }, (_, i) => (i * 7) % 69), [2, 40], 'int32');
    for (const model of [vdcnn({ blocks: 1 }), vdcnnOde({ solver: { method: 'rk4', stepSize: 0.5 } })]) {
      expect(model.apply(ids, { training: true }).shape).toEqual([2, 4]);
      expect(model.apply(ids).shape).toEqual([2, 4]);
      model.dispose();
    }
  });

  it('rejects inputs of the wrong layout with what to pass', () => {
    const model = resnet({ inChannels: 1, blocks: 1 });
    expect(() => model.apply(tf.zeros([2, 1, 28, 28]))).toThrow(/float32 NHWC tensor \[batch, height >= 3, width >= 3, 1\], got float32 \[2,1,28,28\]/);
    expect(() => vdcnn({ blocks: 1 }).apply(tf.zeros([2, 10]))).toThrow(/int32 tensor \[batch, length >= 4\].*got float32/);
    model.dispose();
  });
});

describe('gradients', () => {
  const image = () => tf.randomNormal([2, 12, 12, 1], 0, 1, 'float32', 11);
  const ids = () => tf.tensor2d(Array.from({ length: 2 * 24 }, (_, i) => (i * 13 + 5) % 69), [2, 24], 'int32');
  const labels = (classes: number) => tf.oneHot(tf.tensor1d([1, 3], 'int32'), classes);

  it.each([
    ['resnet', () => resnet({ blocks: 2 })],
    ['odenet (backprop)', () => odenet({ solver: { method: 'euler', stepSize: 0.5 } })],
    ['odenet (backsolve)', () => odenet({ solver: { method: 'euler', stepSize: 0.5, gradient: 'backsolve' } })],
    ['odenet (tape)', () => odenet({ solver: { method: 'euler', stepSize: 0.5, gradient: 'tape' } })],
    ['vdcnn', () => vdcnn({ blocks: 2 })],
    ['vdcnn-ode (backsolve)', () => vdcnnOde({ solver: { method: 'euler', stepSize: 0.5, gradient: 'backsolve' } })],
  ] as const)('reach every weight of %s', (_name, make) => {
    const model = make();
    const x = model.inputKind === 'image' ? image() : ids();
    const { grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels(model.numClasses), model.apply(x, { training: true })) as tf.Scalar,
      model.trainableVariables(),
    );
    const missing = model
      .namedWeights()
      .filter((w) => w.trainable)
      .filter((w) => !grads[w.variable.name] || tf.max(tf.abs(grads[w.variable.name])).dataSync()[0] === 0)
      .map((w) => w.name);
    expect(missing).toEqual([]);
    expect(Object.keys(grads)).toHaveLength(model.trainableVariables().length);
    model.dispose();
  });
});

describe('memory', () => {
  it.each([
    ['odenet (backsolve)', () => odenet({ solver: { method: 'euler', stepSize: 0.5, gradient: 'backsolve' } }), () => tf.randomNormal([1, 10, 10, 1])],
    ['odenet (checkpoint)', () => odenet({ solver: { method: 'euler', stepSize: 0.5 } }), () => tf.randomNormal([1, 10, 10, 1])],
    ['vdcnn-ode', () => vdcnnOde({ solver: { method: 'euler', stepSize: 0.5 } }), () => tf.tensor2d([[1, 5, 9, 2, 60, 3, 7, 8]], [1, 8], 'int32')],
  ] as const)('a training step of %s leaves no tensors behind', (_name, make, input) => {
    const model = make();
    const x = input();
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(x, { training: true })) as tf.Scalar, model.trainableVariables());
      value.dispose();
      tf.dispose(grads);
    };
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('ODE block', () => {
  it('with euler at step 1/n gives the logits of n hand-written residual updates x + f(t, x)/n', () => {
    const n = 3;
    const model = odenet({ inChannels: 1, seed: 5, solver: { method: 'euler', stepSize: 1 / n } });
    const x = tf.randomNormal([2, 12, 12, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
    const logits = model.apply(x);
    expect(model.nfe.forward).toBe(n);
    // The same network, written out: downsampling, n Euler updates with the block's own dynamics, head.
    const m = model as unknown as import('./image-classifier').ImageClassifier;
    const block = m.feature as import('../layers/ode-block').OdeBlock;
    const [c0, n1, c3, n4, c6] = m.downsampling;
    let h = c6.apply(n4.apply(c3.apply(n1.apply(c0.apply(x)))));
    for (let k = 0; k < n; k++) h = tf.add(h, tf.mul(1 / n, block.func.apply(k / n, h, { training: false })));
    const byHand = m.fc.apply(tf.mean(m.norm.apply(h), [1, 2]) as tf.Tensor2D);
    expect(tf.max(tf.abs(tf.sub(logits, byHand))).dataSync()[0]).toBeLessThan(1e-5);
    model.dispose();
  });
});

describe('registry', () => {
  it('lists the CLI names and builds each from options', () => {
    expect(modelNames).toEqual(['resnet', 'odenet', 'vdcnn', 'vdcnn-ode']);
    const model = createModel({ name: 'odenet', inChannels: 3, solver: { method: 'rk4', stepSize: 0.25 } });
    expect(model.name).toBe('odenet');
    expect(model.countParams()).toBe(209_162);
    expect(modelRegistry['vdcnn-ode'].inputKind).toBe('text');
    model.dispose();
  });

  it('rejects unknown names and options, naming them', () => {
    expect(() => createModel({ name: 'lenet' } as never)).toThrow(/name must be one of resnet, odenet, vdcnn, vdcnn-ode, got "lenet"/);
    expect(() => resnet({ blocks: 0 })).toThrow(/^resnet: option 'blocks' \(got 0\): Too small/);
    expect(() => resnet({ block: 2 } as never)).toThrow(/^resnet: option 'block' \(got 2\): unknown option: remove it or check its spelling/);
    expect(() => odenet({ solver: { method: 'rk5' } } as never)).toThrow(/odenet \(solver\): options\.method = "rk5"/);
  });

  it('an ODE model has no solver of its own: solver is required, and what cannot apply is refused', () => {
    expect(() => odenet({ inChannels: 1 } as never)).toThrow(/odenet: .*solver must be a Solver/);
    expect(() => vdcnnOde({} as never)).toThrow(/vdcnnOde: .*solver must be a Solver/);
    expect(() => odenet({ solver: { method: 'rk4' } })).toThrow(/fixed-step but no solver.stepSize/);
    expect(() => odenet({ solver: { method: 'rk4', stepSize: 0.25, rtol: 1e-3 } as never })).toThrow(/options.rtol does not apply to 'rk4'/);
    expect(() => odenet({ solver: RK4, adjoint: true } as never)).toThrow(/odenet: option 'adjoint' \(got true\): unknown option/);
  });

  it('a Solver value is used as it is; the backward solver nests as a solver of its own', () => {
    const given = solver({ method: 'rk4', stepSize: 0.5, gradient: { mode: 'backsolve', backward: { method: 'euler', stepSize: 0.25 } } });
    const model = odenet({ inChannels: 1, solver: given });
    const x = tf.randomNormal([1, 10, 10, 1], 0, 1, 'float32', 1);
    tf.variableGrads(() => tf.sum(model.apply(x, { training: true })) as tf.Scalar, model.trainableVariables());
    // rk4 at 0.5: 2 steps × 4 stages forward; euler at 0.25 backward: 4 augmented evaluations.
    expect(model.nfe).toEqual({ forward: 8, backward: 4 });
    expect(model.gradientStats).toMatchObject({ mode: 'backsolve', nfe: 4 });
    model.dispose();
  });
});
