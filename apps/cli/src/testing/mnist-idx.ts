import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** MNIST's published example counts; `@neural-ode/datasets` accepts unverifiable local files only with these. */
export const MNIST_COUNTS = { train: 60_000, test: 10_000 } as const;

/**
 * Writes the four MNIST files (gzipped IDX, the real byte format) into `dir`: every image is a separable 4-class
 * problem (the class is the quadrant of a bright square over noise, labels 0..3; digits 4..9 never occur). Files
 * hold the published counts so the datasets package accepts them from a local `dataDir`; runs read seeded,
 * class-balanced subsets of them with `--limit-train` / `--limit-test`. Deterministic (a fixed LCG).
 */
export function writeQuadrantMnist(dir: string): void {
  mkdirSync(dir, { recursive: true });
  let state = 12345;
  const rand = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 16) % n;
  };
  const files = { train: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'], test: ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'] };
  for (const split of ['train', 'test'] as const) {
    const count = MNIST_COUNTS[split];
    const images = new Uint8Array(16 + count * 784);
    const labels = new Uint8Array(8 + count);
    const iv = new DataView(images.buffer);
    iv.setUint32(0, 2051);
    iv.setUint32(4, count);
    iv.setUint32(8, 28);
    iv.setUint32(12, 28);
    const lv = new DataView(labels.buffer);
    lv.setUint32(0, 2049);
    lv.setUint32(4, count);
    for (let n = 0; n < count; n++) {
      const label = rand(4);
      labels[8 + n] = label;
      const oy = label >= 2 ? 14 : 0;
      const ox = label % 2 === 1 ? 14 : 0;
      for (let i = 0; i < 28; i++) {
        for (let j = 0; j < 28; j++) {
          const inside = i >= oy + 3 && i < oy + 11 && j >= ox + 3 && j < ox + 11;
          images[16 + n * 784 + i * 28 + j] = inside ? 190 + rand(60) : rand(50);
        }
      }
    }
    writeFileSync(join(dir, files[split][0]), gzipSync(images, { level: 1 }));
    writeFileSync(join(dir, files[split][1]), gzipSync(labels, { level: 1 }));
  }
}
