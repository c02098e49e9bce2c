// The MNIST networks of Chen et al. (2018), "Neural Ordinary Differential Equations" (ResNet with k residual
// blocks, ODE-Net with a fixed-step RK4 solver), written with plain tfjs ops. The training-step test compares
// backends on them and `bench/native.ts` times them; `bench/pytorch_reference.py` is the same network in PyTorch.
// Not exported from the package (the real layers live in @neural-ode/models).
import * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM_KERNEL } from '@neural-ode/kernels';
import { groupNorm } from './group-norm-op';
import { seededNormal } from './kernels/float64-reference';

/** Which network, and how big. */
export interface MnistNetConfig {
  /** `resnet`: `blocks` residual blocks; `odenet`: one ODE block integrated by RK4 over [0, 1]. */
  kind: 'resnet' | 'odenet';
  /** Residual blocks of the ResNet (default 1). */
  blocks?: number;
  /** RK4 steps of the ODE-Net (default 4, i.e. 16 evaluations of the ODE function). */
  rk4Steps?: number;
  /** Feature channels (default 64). */
  width?: number;
  /** GroupNorm groups (default min(32, width)). */
  groups?: number;
  /** Seed of the parameter initialisation. */
  seed?: number;
}

/** A network ready to train: its variables and its loss on a batch. */
export interface MnistNet {
  /** Trainable variables, in a fixed order. */
  params: tf.Variable[];
  /** Mean softmax cross-entropy of the logits for images `x` [n, h, w, 1] and one-hot `labels` [n, 10]. */
  loss(x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar;
}

/** Builds a network with seeded parameters (identical values on every backend). */
export function buildMnistNet(config: MnistNetConfig): MnistNet {
  const width = config.width ?? 64;
  const groups = config.groups ?? Math.min(32, width);
  const next = seededNormal(config.seed ?? 1);
  const params: tf.Variable[] = [];
  const variable = (shape: number[], init: 'normal' | 'ones' | 'zeros', fanIn = 1) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; ++i) values[i] = init === 'ones' ? 1 : init === 'zeros' ? 0 : next() * Math.sqrt(2 / fanIn);
    const init0 = tf.tensor(values, shape);
    const v = tf.variable(init0, true);
    init0.dispose();
    params.push(v);
    return v;
  };
  const convW = (k: number, cin: number, cout: number) => variable([k, k, cin, cout], 'normal', k * k * cin) as tf.Variable<tf.Rank.R4>;
  const norm = () => ({ gamma: variable([width], 'ones'), beta: variable([width], 'zeros') });
  const gn = (x: tf.Tensor4D, p: { gamma: tf.Variable; beta: tf.Variable }, relu: boolean): tf.Tensor4D => {
    if (tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend())) return groupNorm(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D, { groups, relu });
    const [n, h, w, c] = x.shape;
    const xr = tf.reshape(x, [n, h * w, groups, c / groups]);
    const { mean, variance } = tf.moments(xr, [1, 3], true);
    const xn = tf.reshape(tf.mul(tf.sub(xr, mean), tf.rsqrt(tf.add(variance, 1e-5))), x.shape);
    const y = tf.add(tf.mul(xn, p.gamma), p.beta) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  };

  // Downsampling: conv3x3(1→w), GN+ReLU, conv4x4/2 pad 1, GN+ReLU, conv4x4/2 pad 1 (28 → 26 → 13 → 6).
  const d1 = convW(3, 1, width), b1 = variable([width], 'zeros'), n1 = norm();
  const d2 = convW(4, width, width), b2 = variable([width], 'zeros'), n2 = norm();
  const d3 = convW(4, width, width), b3 = variable([width], 'zeros');
  const pad1: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
  const down = (x: tf.Tensor4D) => {
    let h = tf.add(tf.conv2d(x, d1, 1, 'valid'), b1) as tf.Tensor4D;
    h = gn(h, n1, true);
    h = gn(tf.add(tf.conv2d(h, d2, 2, pad1), b2) as tf.Tensor4D, n2, true);
    return tf.add(tf.conv2d(h, d3, 2, pad1), b3) as tf.Tensor4D;
  };

  let feature: (x: tf.Tensor4D) => tf.Tensor4D;
  if (config.kind === 'resnet') {
    const blocks = Array.from({ length: config.blocks ?? 1 }, () => ({ n1: norm(), c1: convW(3, width, width), n2: norm(), c2: convW(3, width, width) }));
    feature = (x) => {
      for (const b of blocks) {
        let h = gn(x, b.n1, true);
        h = gn(tf.conv2d(h, b.c1, 1, 'same'), b.n2, true);
        x = tf.add(x, tf.conv2d(h, b.c2, 1, 'same'));
      }
      return x;
    };
  } else {
    // ODE function: GN, ReLU, ConcatConv(t), GN, ReLU, ConcatConv(t), GN — as torchdiffeq's odenet_mnist.
    const f1 = norm(), c1 = convW(3, width + 1, width), cb1 = variable([width], 'zeros');
    const f2 = norm(), c2 = convW(3, width + 1, width), cb2 = variable([width], 'zeros'), f3 = norm();
    const concatConv = (t: number, h: tf.Tensor4D, w: tf.Variable, b: tf.Variable) => {
      const [n, hh, ww] = h.shape;
      return tf.add(tf.conv2d(tf.concat([tf.fill([n, hh, ww, 1], t), h], 3) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), b) as tf.Tensor4D;
    };
    const odefunc = (t: number, y: tf.Tensor4D) => gn(concatConv(t, gn(concatConv(t, gn(y, f1, true), c1, cb1), f2, true), c2, cb2), f3, false);
    const steps = config.rk4Steps ?? 4;
    feature = (y) => {
      const h = 1 / steps;
      for (let i = 0; i < steps; ++i) {
        const t = i * h;
        const k1 = odefunc(t, y);
        const k2 = odefunc(t + h / 2, tf.add(y, tf.mul(k1, h / 2)));
        const k3 = odefunc(t + h / 2, tf.add(y, tf.mul(k2, h / 2)));
        const k4 = odefunc(t + h, tf.add(y, tf.mul(k3, h)));
        y = tf.add(y, tf.mul(tf.addN([k1, tf.mul(k2, 2), tf.mul(k3, 2), k4]), h / 6));
      }
      return y;
    };
  }

  // Head: GN+ReLU, global average pool, linear 64 → 10.
  const nh = norm(), fcW = variable([width, 10], 'normal', width), fcB = variable([10], 'zeros');
  const loss = (x: tf.Tensor4D, labels: tf.Tensor2D) => {
    const h = gn(feature(down(x)), nh, true);
    const logits = tf.add(tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, fcW), fcB);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  };
  return { params, loss };
}

/** One SGD step; returns the loss before the update. */
export function sgdStep(net: MnistNet, x: tf.Tensor4D, labels: tf.Tensor2D, learningRate: number): number {
  const { value, grads } = tf.variableGrads(() => net.loss(x, labels), net.params);
  const loss = value.dataSync()[0]!;
  tf.tidy(() => {
    for (const v of net.params) v.assign(tf.sub(v, tf.mul(grads[v.name]!, learningRate)));
  });
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

/** A seeded batch of `n` images [n, size, size, 1] in [0, 1) and one-hot labels [n, 10]. */
export function syntheticBatch(n: number, seed: number, size = 28): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const next = seededNormal(seed);
  const pixels = new Float32Array(n * size * size);
  for (let i = 0; i < pixels.length; ++i) pixels[i] = Math.min(1, Math.abs(next()) / 3);
  const labels = new Float32Array(n * 10);
  for (let i = 0; i < n; ++i) labels[i * 10 + (Math.floor(Math.abs(next()) * 1000) % 10)] = 1;
  return { x: tf.tensor4d(pixels, [n, size, size, 1]), labels: tf.tensor2d(labels, [n, 10]) };
}
