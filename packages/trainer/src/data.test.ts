import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '@neural-ode/backend';
import type { DatasetSplit, LoadDatasetOptions, LocatedFile } from '@neural-ode/datasets';
import type { Model } from '@neural-ode/models';
import { trainConfigSchema } from './config';
import { loadRunSplits } from './data';
import { evaluateSplit } from './evaluate';
import { charRunSplit } from './fixtures/textures';

const calls: Array<{ name: string; options: LoadDatasetOptions }> = [];
let files: LocatedFile[] = [];
vi.mock('@neural-ode/datasets', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@neural-ode/datasets')>()),
  loadDataset: async (name: string, options: LoadDatasetOptions) => {
    calls.push({ name, options });
    return { ...charRunSplit(8, 1, 16, options.split), files };
  },
}));

/** A text split sorted by class, as `mnist-sample` is stored: 25 examples of class a, then b, c, d. */
function sortedSplit(): DatasetSplit {
  const s = charRunSplit(100, 3, 4);
  s.y = Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 25));
  return s;
}

const histogram = (y: Int32Array) => [0, 1, 2, 3].map((c) => y.filter((l) => l === c).length);

describe('loadRunSplits', () => {
  it('passes seqLen to the loader as sequenceLength (the reference --seq_len), 1014 by default', async () => {
    calls.length = 0;
    await loadRunSplits(trainConfigSchema.parse({ data: 'ag-news', seqLen: 512 }));
    expect(calls.map((c) => [c.name, c.options.split, c.options.sequenceLength])).toEqual([
      ['ag-news', 'train', 512],
      ['ag-news', 'test', 512],
    ]);
    calls.length = 0;
    const splits = await loadRunSplits(trainConfigSchema.parse({ data: 'ag-news', limitTrain: 3 }));
    expect(calls.map((c) => c.options.sequenceLength)).toEqual([1014, 1014]);
    expect(splits.train.count).toBe(3);
  });

  it('cuts limitTrain / limitTest to seeded, class-balanced subsets, not the first N of a sorted file', async () => {
    const given = { train: sortedSplit(), test: sortedSplit() };
    const cfg = trainConfigSchema.parse({ data: 'ag-news', limitTrain: 40, limitTest: 20, seed: 3 });
    const a = await loadRunSplits(cfg, given);
    expect(histogram(a.train.y)).toEqual([10, 10, 10, 10]);
    expect(histogram(a.test.y)).toEqual([5, 5, 5, 5]);
    expect(a.warnings).toEqual([]);
    const again = await loadRunSplits(cfg, given);
    expect(Array.from(again.train.x)).toEqual(Array.from(a.train.x)); // same seed, same subset (resume)
    const few = await loadRunSplits({ ...cfg, limitTest: 2 }, given);
    expect(few.warnings).toHaveLength(1);
    expect(few.warnings[0]).toMatch(/the test set \(limitTest = 2\) has 2 examples and none of class \w, \w: the whole split has only 50 such examples in 100; raise the limit/);
  });

  it('warns about data files that failed their published checksum and returns them for config.json', async () => {
    files = [
      { file: 'train.csv', path: '/data/train.csv', origin: 'dataDir', verified: 'structure', note: 'differs from the published file (md5 0f, expected 1a)' },
      { file: 'test.csv', path: '/data/test.csv', origin: 'dataDir', verified: 'checksum' },
    ];
    const splits = await loadRunSplits(trainConfigSchema.parse({ data: 'ag-news' }));
    files = [];
    expect(splits.files.map((f) => f.path)).toEqual(['/data/train.csv', '/data/test.csv']);
    expect(splits.warnings).toEqual([
      expect.stringMatching(/^warning: \/data\/train\.csv differs from the published file \(md5 0f, expected 1a\); it is used/),
    ]);
  });
});

describe('evaluateSplit', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', log: false });
  });

  it('refuses a NaN loss instead of reporting an accuracy', () => {
    const nanModel = { apply: (x: tf.Tensor) => tf.fill([x.shape[0], 4], NaN) } as unknown as Model;
    expect(() => evaluateSplit(nanModel, charRunSplit(8, 1, 16, 'test'), 4)).toThrow(
      /mean loss on 8 test examples of ag-news is NaN: the weights hold NaN or Inf/,
    );
  });
});
