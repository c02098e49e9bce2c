import { describe, expect, it, vi } from 'vitest';
import type { LoadDatasetOptions } from '@neural-ode/datasets';
import { trainConfigSchema } from './config';
import { loadRunSplits } from './data';
import { charRunSplit } from './fixtures/textures';

const calls: Array<{ name: string; options: LoadDatasetOptions }> = [];
vi.mock('@neural-ode/datasets', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@neural-ode/datasets')>()),
  loadDataset: async (name: string, options: LoadDatasetOptions) => {
    calls.push({ name, options });
    return charRunSplit(8, 1, 16, options.split);
  },
}));

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
});
