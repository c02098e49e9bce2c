// pnpm bench:datasets [--backend cpu|wasm|auto] [--batch 128]
// Images/s of a full training epoch of the data pipeline on Fashion-MNIST's 60,000 training images: decode (gunzip
// + IDX parse of /usr/share/datasets/fashion-mnist, or the cache) + seeded shuffle + augmentation (random crop with
// 4-px zero padding) + normalisation + float32 NHWC / int32 tensors, each batch disposed by the consumer.
// Target: >= 20x the fastest training throughput (~1,100 images/s assumed) = 22,000 images/s.
import { initBackend } from '@neural-ode/backend';
import { batches, loadDataset, type ImageSplit } from '@neural-ode/datasets';
// Fixture writer of the datasets tests (tar-stream is a dependency of that package, not of the root).
import { tarGz } from '../packages/datasets/src/testing/fixture-files';
import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const TRAINING_IMAGES_PER_S = 1100;
const TARGET = 20 * TRAINING_IMAGES_PER_S;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Wall and CPU seconds (user + system, all threads of this process) of a piece of work. */
interface Timing {
  wall: number;
  cpu: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function timed(work: () => unknown): Promise<Timing> {
  const w = performance.now();
  const c = cpuSeconds();
  await work();
  return { wall: (performance.now() - w) / 1000, cpu: cpuSeconds() - c };
}

function epoch(split: ImageSplit, batchSize: number, seed: number, e: number): void {
  let n = 0;
  for (const b of batches(split, { batchSize, shuffle: true, augment: true, seed, epoch: e })) {
    n += b.size;
    tf.dispose(b);
  }
  if (n !== split.count) throw new Error(`epoch saw ${n} of ${split.count} images`);
}

async function main(): Promise<void> {
  const choice = await initBackend({ backend: arg('backend', 'cpu') as 'cpu', log: false });
  const batchSize = Number(arg('batch', '128'));
  const tensorsBefore = tf.memory().numTensors;

  const load0 = loadavg()[0];
  let train!: ImageSplit;
  const decode = await timed(async () => {
    const s = await loadDataset('fashion-mnist', { split: 'train', download: false });
    if (s.kind !== 'image') throw new Error('expected images');
    train = s;
  });
  const e1 = await timed(() => epoch(train, batchSize, 1, 0));
  const e2 = await timed(() => epoch(train, batchSize, 1, 1));

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
  const c1 = await timed(() => epoch(cifarLike, batchSize, 1, 0));

  // A CIFAR-10-sized archive (5 × 10,000 + 10,000 records of 3,073 bytes, synthetic, gzip level 1), read back for
  // the train split: gunzip + tar stream + record decode to NHWC.
  const record = (i: number, b: number) => {
    const r = new Uint8Array(3073);
    r[0] = (i + b) % 10;
    for (let p = 1; p < 3073; p++) r[p] = (i * 7 + p * 13 + b) & 255;
    return r;
  };
  const tarDir = mkdtempSync(join(tmpdir(), 'bench-cifar-'));
  const members: Record<string, Uint8Array> = {};
  for (const [name, b] of [['data_batch_1.bin', 1], ['data_batch_2.bin', 2], ['data_batch_3.bin', 3], ['data_batch_4.bin', 4], ['data_batch_5.bin', 5], ['test_batch.bin', 0]] as const) {
    const bytes = new Uint8Array(10000 * 3073);
    for (let i = 0; i < 10000; i++) bytes.set(record(i, b), i * 3073);
    members[`cifar-10-batches-bin/${name}`] = bytes;
  }
  writeFileSync(join(tarDir, 'cifar-10-binary.tar.gz'), await tarGz(members, 1));
  const tarMd5 = createHash('md5').update(readFileSync(join(tarDir, 'cifar-10-binary.tar.gz'))).digest('hex');
  let cifarCount = 0;
  const cifarDecode = await timed(async () => {
    const s = await loadDataset('cifar10', { split: 'train', dataDir: tarDir, cacheDir: tarDir, download: false, sources: { 'cifar-10-binary.tar.gz': { md5: tarMd5 } } });
    cifarCount = s.count;
  });
  rmSync(tarDir, { recursive: true, force: true });
  // AG-News-sized CSV (120,000 rows, ~230 characters each, quoted fields with commas and doubled quotes), synthetic:
  // parse (csv-parse) + quantise to 120,000 × 1014 int32, then one epoch of int32 batches.
  const dir = mkdtempSync(join(tmpdir(), 'bench-ag-'));
  const csvRows: string[] = [];
  for (let i = 0; i < 120000; i++) {
    csvRows.push(`"${(i % 4) + 1}","Title ${i}, with a comma","Description ${i}: ""quoted"" words, numbers ${i * 7} and more text to reach a typical length of a news description in AG's News, about two hundred characters."`);
  }
  const csv = new TextEncoder().encode(csvRows.join('\n') + '\n');
  writeFileSync(join(dir, 'train.csv'), csv);
  const md5 = createHash('md5').update(csv).digest('hex');
  let agCount = 0;
  const agLoad = await timed(async () => {
    const ag = await loadDataset('ag-news', { split: 'train', dataDir: dir, cacheDir: dir, download: false, sources: { 'train.csv': { md5 } } });
    agCount = ag.count;
    const agEpoch = batches(ag, { batchSize: 128, shuffle: true, seed: 1 });
    for (const b of agEpoch) tf.dispose(b);
  });
  rmSync(dir, { recursive: true, force: true });
  const leaked = tf.memory().numTensors - tensorsBefore;

  const full: Timing = { wall: decode.wall + e1.wall, cpu: decode.cpu + e1.cpu };
  const rate = (count: number, t: number) => `${(count / t).toFixed(0)} ex/s`;
  const rows: [string, Timing, number][] = [
    ['Fashion-MNIST decode (gunzip + IDX parse + checks)', decode, train.count],
    ['  epoch 1: shuffle + crop + normalise + tensors', e1, train.count],
    ['  epoch 2 (data already in memory)', e2, train.count],
    ['  full first epoch: decode + epoch 1', full, train.count],
    ['CIFAR-10-shaped synthetic, 10,000 images (crop + flip)', c1, n],
    ['CIFAR-10-sized synthetic .tar.gz: decode train split', cifarDecode, cifarCount],
    ['AG-News-sized synthetic CSV: parse + quantise + 1 epoch', agLoad, agCount],
  ];
  console.log(`datasets pipeline, backend ${choice.tfjsBackend}, batch ${batchSize}, ${cpus().length} cores, load average ${load0.toFixed(1)} at start`);
  console.log(`files: ${train.files.map((f) => `${f.path} (${f.verified})`).join(', ')}`);
  console.log(`${'stage'.padEnd(56)} ${'wall'.padStart(8)} ${'wall rate'.padStart(14)} ${'CPU'.padStart(8)} ${'CPU rate'.padStart(14)}`);
  for (const [label, t, count] of rows) {
    console.log(
      `${label.padEnd(56)} ${`${t.wall.toFixed(2)} s`.padStart(8)} ${rate(count, t.wall).padStart(14)} ${`${t.cpu.toFixed(2)} s`.padStart(8)} ${rate(count, t.cpu).padStart(14)}`,
    );
  }
  console.log(`tensors left alive after the epochs: ${leaked}`);
  const wallRate = train.count / full.wall;
  const cpuRate = train.count / full.cpu;
  console.log(
    `target >= ${TARGET} img/s (20 × ~${TRAINING_IMAGES_PER_S} img/s training), full first epoch: ` +
      `wall ${wallRate.toFixed(0)} img/s: ${wallRate >= TARGET ? 'MET' : 'NOT MET'}; ` +
      `per CPU-second ${cpuRate.toFixed(0)} img/s: ${cpuRate >= TARGET ? 'MET' : 'NOT MET'}` +
      (load0 > cpus().length ? ` (machine was busy: wall time includes waiting for a core)` : ''),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
