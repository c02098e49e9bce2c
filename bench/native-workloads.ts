// Training workloads of bench/native.ts written the way a TensorFlow.js user writes them (and the project's text
// models), each with its PyTorch counterpart in bench/pytorch_reference.py under the same name:
// - 'plain-ops ResNet(1)': the MNIST ResNet(1) of Chen et al. with plain tfjs ops: `tf.pad` + 'valid' convs,
//   GroupNorm from `tf.moments`, trained with `tf.train.momentum` (PyTorch: the same net, SGD with momentum).
// - 'tf.layers convnet': a `tf.sequential` of conv2d 'same' / batchNormalization / maxPooling2d / dropout / dense
//   trained with `model.fit` and Adam (PyTorch: the same layers and Adam).
// - 'MLP': `tf.sequential` dense 784 → 512 → 256 → 10 with `model.fit` and Adam.
// - 'VDCNN(6)', 'VDCNN(1)', 'vdcnn-ode Euler×4': @neural-ode/models' text models on 1,014 character ids, plain SGD
//   (PyTorch: the same architecture; the ODE block as 4 explicit Euler steps backpropagated through).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { vdcnn, vdcnnOde, type Model } from '@neural-ode/models';
import { seededNormal } from '../packages/backend-native/src/kernels/float64-reference';

/** One training workload: `step()` trains on `samplesPerStep` samples (a promise for `model.fit`). */
export interface Workload {
  samplesPerStep: number;
  step(): void | Promise<void>;
  dispose(): void;
}

function seededTensor(shape: number[], seed: number, scale: number): tf.Tensor {
  const next = seededNormal(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; ++i) v[i] = next() * scale;
  return tf.tensor(v, shape);
}

function mnistBatch(batch: number, seed: number) {
  const next = seededNormal(seed);
  const pixels = new Float32Array(batch * 28 * 28);
  for (let i = 0; i < pixels.length; ++i) pixels[i] = Math.min(1, Math.abs(next()) / 3);
  const labels = new Float32Array(batch * 10);
  for (let i = 0; i < batch; ++i) labels[i * 10 + (Math.floor(Math.abs(next()) * 1000) % 10)] = 1;
  return { x: tf.tensor4d(pixels, [batch, 28, 28, 1]), y: tf.tensor2d(labels, [batch, 10]) };
}

/** The MNIST ResNet(1) as a tfjs user writes it from plain ops. */
export function plainOpsResnet(batch: number): Workload {
  const width = 64, groups = 32;
  const vars: tf.Variable[] = [];
  let seed = 100;
  const conv = (k: number, cin: number, cout: number) => {
    const v = tf.variable(seededTensor([k, k, cin, cout], seed++, Math.sqrt(2 / (k * k * cin))));
    vars.push(v);
    return v as tf.Variable<tf.Rank.R4>;
  };
  const vec = (n: number, value: number) => {
    const v = tf.variable(tf.fill([n], value));
    vars.push(v);
    return v;
  };
  const norm = () => ({ gamma: vec(width, 1), beta: vec(width, 0) });
  const groupNorm = (x: tf.Tensor4D, p: { gamma: tf.Variable; beta: tf.Variable }) => {
    const [n, h, w, c] = x.shape;
    const xr = tf.reshape(x, [n, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(xr, [1, 2, 4], true);
    const xn = tf.reshape(tf.div(tf.sub(xr, mean), tf.sqrt(tf.add(variance, 1e-5))), x.shape);
    return tf.add(tf.mul(xn, p.gamma), p.beta) as tf.Tensor4D;
  };
  const padded = (x: tf.Tensor4D, p: number) => tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]);
  const d1 = conv(3, 1, width), b1 = vec(width, 0), n1 = norm();
  const d2 = conv(4, width, width), b2 = vec(width, 0), n2 = norm();
  const d3 = conv(4, width, width), b3 = vec(width, 0);
  const r1 = norm(), c1 = conv(3, width, width), r2 = norm(), c2 = conv(3, width, width);
  const nh = norm(), fcW = tf.variable(seededTensor([width, 10], seed++, Math.sqrt(1 / width))), fcB = vec(10, 0);
  vars.push(fcW);
  const { x, y } = mnistBatch(batch, 7);
  const loss = () => {
    let h = tf.relu(groupNorm(tf.add(tf.conv2d(x, d1, 1, 'valid'), b1), n1));
    h = tf.relu(groupNorm(tf.add(tf.conv2d(padded(h, 1), d2, 2, 'valid'), b2), n2));
    h = tf.add(tf.conv2d(padded(h, 1), d3, 2, 'valid'), b3) as tf.Tensor4D;
    let r = tf.relu(groupNorm(h, r1));
    r = tf.relu(groupNorm(tf.conv2d(padded(r, 1), c1, 1, 'valid'), r2));
    h = tf.add(h, tf.conv2d(padded(r, 1), c2, 1, 'valid'));
    const pooled = tf.mean(tf.relu(groupNorm(h, nh)), [1, 2]) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(pooled, fcW), fcB)) as tf.Scalar;
  };
  const optimizer = tf.train.momentum(0.01, 0.9);
  return {
    samplesPerStep: batch,
    step: () => {
      const l = optimizer.minimize(loss, true, vars);
      l!.dataSync();
      l!.dispose();
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([x, y, ...vars]);
    },
  };
}

/** A `tf.layers` model trained with `model.fit` on `steps` batches of `batch` per call. */
function fitWorkload(model: tfl.Sequential, x: tf.Tensor, y: tf.Tensor, batch: number): Workload {
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return {
    samplesPerStep: x.shape[0]!,
    step: async () => {
      await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 });
    },
    dispose: () => {
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}

/** conv2d 'same' → batchNormalization → relu → maxPooling2d, twice; dropout; dense 128; dense 10 softmax. */
export function layersConvNet(batch: number, steps = 4): Workload {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', seed: 1 } as never),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same' }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.25, seed: 1 }),
      tfl.layers.dense({ units: 128, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const { x, y } = mnistBatch(batch * steps, 11);
  return fitWorkload(model, x, y, batch);
}

/** dense 784 → 512 relu → 256 relu → 10 softmax. */
export function mlp(batch: number, steps = 8): Workload {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
      tfl.layers.dense({ units: 256, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const { x, y } = mnistBatch(batch * steps, 13);
  const flat = tf.reshape(x, [batch * steps, 784]);
  x.dispose();
  return fitWorkload(model, flat, y, batch);
}

/** A text model of @neural-ode/models trained by plain SGD on 1,014 character ids per document. */
function textWorkload(model: Model, batch: number, length = 1014): Workload {
  const x = tf.randomUniformInt([batch, length], 0, 69, 1);
  const labels = tf.oneHot(tf.randomUniformInt([batch], 0, model.numClasses, 2), model.numClasses);
  const vars = model.trainableVariables();
  return {
    samplesPerStep: batch,
    step: () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true })) as tf.Scalar,
          vars,
        );
        for (const v of vars) v.assign(tf.sub(v, tf.mul(0.01, grads[v.name]!)));
        value.dataSync();
      }),
    dispose: () => {
      model.dispose();
      tf.dispose([x, labels]);
    },
  };
}

export const vdcnnWorkload = (blocks: number) => (batch: number) => textWorkload(vdcnn({ blocks }), batch);
export const vdcnnOdeWorkload = (batch: number) =>
  textWorkload(vdcnnOde({ solver: { method: 'euler', stepSize: 0.25, gradient: 'tape' } }), batch);
