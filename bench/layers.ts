// pnpm bench:layers [--backend auto] [--train 2048] [--test 1000] [--epochs 1] [--batch 32] [--lr 3e-3] [--method rk4] [--step 0.25]
//                   [--models layers,layers-backsolve,odenet]
//
// The ODE-Net of @neural-ode/layers' README (tf.layers: convs, neuralOde over concatConv2d dynamics, a dense head;
// trained with model.fit) beside @neural-ode/models' odenet (the reference architecture with GroupNorm; trained with
// optimizer.minimize), on --train images of the built-in mnist-sample dataset (a seeded random subset): training images/s (every
// epoch timed, model building excluded), test accuracy on --test test images (likewise) after --epochs, and the NFE
// per batch of the ODE block (forward / backward). Same data order (no shuffling), batch size, Adam(--lr) and solver.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@neural-ode/backend';
import { batches, loadDataset } from '@neural-ode/datasets';
import { nfeLogger, type GradientMode } from '@neural-ode/layers';
import { odenet } from '@neural-ode/models';
import type { SolverInput } from '@neural-ode/odeint';
import { mnistOdeNet } from '../packages/layers/src/examples/mnist-odenet';

const argv = process.argv.slice(2);
const get = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] != null ? argv[i + 1] : dflt;
};
const backend = get('backend', 'auto') as 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
const trainCount = Number(get('train', '2048'));
const testCount = Number(get('test', '1000'));
const epochs = Number(get('epochs', '1'));
const batch = Number(get('batch', '32'));
const lr = Number(get('lr', '3e-3'));
const solver = { method: get('method', 'rk4'), stepSize: Number(get('step', '0.25')) } as SolverInput;
const wanted = get('models', 'layers,layers-backsolve,odenet').split(',');
const KNOWN = ['layers', 'layers-backsolve', 'odenet'];
for (const name of wanted) if (!KNOWN.includes(name)) throw new Error(`--models: unknown model '${name}'; use some of ${KNOWN.join(',')}`);

interface Row {
  model: string;
  imagesPerSecond: number;
  accuracy: number;
  nfe: string;
}

async function main() {
  const choice = await initBackend({ backend, log: false });
  const train = await loadDataset('mnist-sample', { split: 'train' });
  const test = await loadDataset('mnist-sample', { split: 'test' });
  // Random (seeded) subsets: the splits are sorted by class.
  const [{ x, y }] = batches(train, { batchSize: trainCount, shuffle: true, seed: 1 });
  const [{ x: testX, y: testY }] = batches(test, { batchSize: testCount, shuffle: true, seed: 2 });
  const n = x.shape[0];
  console.log(
    `backend: ${choice.backend} (tfjs '${choice.tfjsBackend}', ${choice.threads} threads); mnist-sample: ${n} training images, ` +
      `${testX.shape[0]} test images; ${epochs} epoch(s) of batch ${batch}, Adam(${lr}), no shuffling; solver ${JSON.stringify(solver)}`,
  );
  const rows: Row[] = [];

  for (const name of wanted.filter((w) => w.startsWith('layers'))) {
    const gradient: GradientMode = name === 'layers-backsolve' ? 'backsolve' : 'tape';
    const model = mnistOdeNet(solver, gradient);
    model.compile({ optimizer: tf.train.adam(lr), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const nfe: string[] = [];
    const start = performance.now();
    await model.fit(x, tf.cast(y, 'float32'), { epochs, batchSize: batch, shuffle: false, verbose: 0, callbacks: [nfeLogger({ log: false, onBatch: (_, per) => nfe.push(Object.values(per).map((c) => `${c.forward}/${c.backward}`).join(' ')) })] });
    const seconds = (performance.now() - start) / 1000;
    const [, accuracy] = model.evaluate(testX, tf.cast(testY, 'float32'), { batchSize: 100 }) as tf.Scalar[];
    rows.push({ model: `@neural-ode/layers mnistOdeNet (model.fit, gradient '${gradient}')`, imagesPerSecond: (n * epochs) / seconds, accuracy: accuracy.dataSync()[0], nfe: nfe[nfe.length - 1] });
    model.dispose();
  }

  if (wanted.includes('odenet')) {
    const model = odenet({ inChannels: 1, solver });
    const optimizer = tf.train.adam(lr);
    const start = performance.now();
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let b = 0; b < n; b += batch) {
        const size = Math.min(batch, n - b);
        tf.tidy(() => {
          const xb = tf.slice(x, [b, 0, 0, 0], [size, 28, 28, 1]);
          const yb = tf.oneHot(tf.slice(y, [b], [size]), 10);
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true })) as tf.Scalar, false, model.trainableVariables());
        });
      }
    }
    const seconds = (performance.now() - start) / 1000;
    const nfe = `${model.nfe.forward}/${model.nfe.backward}`;
    let correct = 0;
    for (let b = 0; b < testX.shape[0]; b += 100) {
      const size = Math.min(100, testX.shape[0] - b);
      correct += tf.tidy(() => {
        const predicted = tf.argMax(model.apply(tf.slice(testX, [b, 0, 0, 0], [size, 28, 28, 1]), { training: false }), 1);
        return tf.sum(tf.cast(tf.equal(predicted, tf.slice(testY, [b], [size])), 'float32')).dataSync()[0];
      });
    }
    rows.push({ model: "@neural-ode/models odenet (optimizer.minimize, backprop)", imagesPerSecond: (n * epochs) / seconds, accuracy: correct / testX.shape[0], nfe });
  }

  const header = ['model', 'train images/s', 'test accuracy', 'NFE fwd/bwd (last batch)'];
  const table = rows.map((r) => [r.model, r.imagesPerSecond.toFixed(1), r.accuracy.toFixed(3), r.nfe]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of table) console.log(line(r));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
