// pnpm bench:datasets [--backend cpu|wasm|auto] [--batch 128]
// Images/s of a full training epoch of the data pipeline on Fashion-MNIST's 60,000 training images: decode (gunzip
// + IDX parse of /usr/share/datasets/fashion-mnist, or the cache) + seeded shuffle + augmentation (random crop with
// 4-px zero padding) + normalisation + float32 NHWC / int32 tensors, each batch disposed by the consumer.
// Target: >= 20x the fastest training throughput (~1,100 images/s assumed) = 22,000 images/s.
import { initBackend } from '@neural-ode/backend';
import { batches, loadDataset, type ImageSplit } from '@neural-ode/datasets';
import * as tf from '@tensorflow/tfjs-core';

const TRAINING_IMAGES_PER_S = 1100;
const TARGET = 20 * TRAINING_IMAGES_PER_S;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function epoch(split: ImageSplit, batchSize: number, seed: number, e: number): number {
  const t = performance.now();
  let n = 0;
  for (const b of batches(split, { batchSize, shuffle: true, augment: true, seed, epoch: e })) {
    n += b.size;
    tf.dispose(b);
  }
  if (n !== split.count) throw new Error(`epoch saw ${n} of ${split.count} images`);
  return (performance.now() - t) / 1000;
}

async function main(): Promise<void> {
  const choice = await initBackend({ backend: arg('backend', 'cpu') as 'cpu', log: false });
  const batchSize = Number(arg('batch', '128'));
  const tensorsBefore = tf.memory().numTensors;

  const t0 = performance.now();
  const train = await loadDataset('fashion-mnist', { split: 'train', download: false });
  const decodeS = (performance.now() - t0) / 1000;
  if (train.kind !== 'image') throw new Error('expected images');
  const e1 = epoch(train, batchSize, 1, 0);
  const e2 = epoch(train, batchSize, 1, 1);

  // CIFAR-10-shaped pipeline (32×32×3, crop + flip) on synthetic bytes: CIFAR's files are not on this machine.
  const n = 10000;
  const x = new Uint8Array(n * 32 * 32 * 3);
  for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) >>> 24;
  const cifarLike: ImageSplit = {
    kind: 'image', name: 'cifar10', split: 'train', classes: [], count: n, files: [], x,
    y: Int32Array.from({ length: n }, (_, i) => i % 10), shape: [n, 32, 32, 3],
    normalization: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
    augmentation: { cropPadding: 4, horizontalFlip: true },
  };
  const c1 = epoch(cifarLike, batchSize, 1, 0);
  const leaked = tf.memory().numTensors - tensorsBefore;

  const full = train.count / (decodeS + e1);
  const rows: [string, string, string][] = [
    ['Fashion-MNIST decode (gunzip + IDX parse + checks)', `${decodeS.toFixed(2)} s`, `${(train.count / decodeS).toFixed(0)} img/s`],
    ['  epoch 1: shuffle + crop + normalise + tensors', `${e1.toFixed(2)} s`, `${(train.count / e1).toFixed(0)} img/s`],
    ['  epoch 2 (data already in memory)', `${e2.toFixed(2)} s`, `${(train.count / e2).toFixed(0)} img/s`],
    ['  full first epoch: decode + epoch 1', `${(decodeS + e1).toFixed(2)} s`, `${full.toFixed(0)} img/s`],
    ['CIFAR-10-shaped synthetic, 10,000 images (crop + flip)', `${c1.toFixed(2)} s`, `${(n / c1).toFixed(0)} img/s`],
  ];
  console.log(`datasets pipeline, backend ${choice.tfjsBackend}, batch ${batchSize}, files: ${train.files.map((f) => `${f.path} (${f.verified})`).join(', ')}`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(58)} ${b.padStart(8)} ${c.padStart(14)}`);
  console.log(`tensors left alive after the epochs: ${leaked}`);
  console.log(
    `target >= ${TARGET} img/s (20 × ~${TRAINING_IMAGES_PER_S} img/s training): ${full >= TARGET ? 'MET' : 'NOT MET'} ` +
      `(full first epoch ${full.toFixed(0)} img/s, ${(full / TRAINING_IMAGES_PER_S).toFixed(1)}× training)`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
